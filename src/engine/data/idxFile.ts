/**
 * IDX files (the MNIST / Fashion-MNIST format), plain or gzipped: parsing with validation, and
 * finding the labels file that belongs to an images file.
 */
import * as fs from 'fs/promises';
import * as path from 'path';
import { promisify } from 'util';
import * as zlib from 'zlib';
import { InputError } from '../errors';

const gunzip = promisify(zlib.gunzip);

const UNSIGNED_BYTE = 0x08;
const TYPE_NAMES: Record<number, string> = { 0x09: 'signed bytes', 0x0b: 'shorts', 0x0c: 'ints', 0x0d: 'floats', 0x0e: 'doubles' };

export interface IdxArray {
  dims: number[];
  /** The values after the header (unsigned bytes). */
  data: Uint8Array;
}

/** True when the name looks like an IDX file (foo-images-idx3-ubyte, foo.idx1-ubyte.gz, ...). */
export function looksLikeIdxName(file: string): boolean {
  return /idx\d[.-]ubyte(\.gz)?$/i.test(path.basename(file));
}

/** Reads (and gunzips, by content) an IDX file; InputError naming it when corrupt. */
export async function readIdxFile(file: string): Promise<IdxArray> {
  let bytes: Uint8Array = await fs.readFile(file);
  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      bytes = await gunzip(bytes);
    } catch (err) {
      throw new InputError(`${file} is a damaged gzip file (${(err as Error).message}); download it again.`, file);
    }
  }
  return parseIdx(bytes, file);
}

export function parseIdx(bytes: Uint8Array, file: string): IdxArray {
  if (bytes.length < 4 || bytes[0] !== 0 || bytes[1] !== 0) {
    throw new InputError(`${file} is not an IDX file (it does not start with the IDX magic number 00 00 08 0N); pass an MNIST-style *-images-idx3-ubyte file or a folder of images.`, file);
  }
  const type = bytes[2];
  const ndim = bytes[3];
  if (type !== UNSIGNED_BYTE) {
    const what = TYPE_NAMES[type] ?? `an unknown type (0x${type.toString(16)})`;
    throw new InputError(`${file} stores ${what}; only IDX files of unsigned bytes (type 0x08) are supported.`, file);
  }
  if (ndim === 0) throw new InputError(`${file} declares 0 dimensions; it is corrupt. Download it again.`, file);
  const headerSize = 4 + 4 * ndim;
  if (bytes.length < headerSize) {
    throw new InputError(`${file} is truncated (${bytes.length} bytes, shorter than its ${headerSize}-byte header); download it again.`, file);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dims: number[] = [];
  for (let i = 0; i < ndim; i++) dims.push(view.getUint32(4 + 4 * i, false));
  const expected = headerSize + dims.reduce((a, b) => a * b, 1);
  if (bytes.length < expected) {
    throw new InputError(`${file} is truncated: its header declares ${dims.join('x')} values (${expected} bytes) but it has ${bytes.length} bytes. Download it again.`, file);
  }
  if (bytes.length > expected) {
    throw new InputError(`${file} has ${bytes.length - expected} bytes more than its header (${dims.join('x')}) declares; it is corrupt or not an IDX file. Download it again.`, file);
  }
  return { dims, data: bytes.subarray(headerSize, expected) };
}

/** Where the labels of an images file would be: ...-images-idx3-ubyte -> ...-labels-idx1-ubyte(.gz). */
export function labelsFileCandidates(imagesFile: string): string[] {
  const dir = path.dirname(imagesFile);
  const name = path.basename(imagesFile).replace(/\.gz$/i, '');
  const labelsName = name.replace(/images([.-])idx3([.-])ubyte$/i, (_m, a: string, b: string) => `labels${a}idx1${b}ubyte`);
  if (labelsName === name) return [];
  return [path.join(dir, `${labelsName}.gz`), path.join(dir, labelsName)];
}

export async function findLabelsFile(imagesFile: string): Promise<string | null> {
  for (const candidate of labelsFileCandidates(imagesFile)) {
    const stat = await fs.stat(candidate).catch(() => null);
    if (stat?.isFile()) return candidate;
  }
  return null;
}
