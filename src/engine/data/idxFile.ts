/**
 * IDX files (the MNIST / Fashion-MNIST format), plain or gzipped: the header first, then only the
 * items a job uses (--skip/--limit), so memory follows what is used, not what a header declares.
 * A gzipped file is decompressed as a stream that stops once the last wanted item has arrived.
 */
import { createReadStream } from 'fs';
import { pipeline } from 'stream';
import * as fs from 'fs/promises';
import * as path from 'path';
import * as zlib from 'zlib';
import { InputError } from '../errors';

const UNSIGNED_BYTE = 0x08;
const TYPE_NAMES: Record<number, string> = { 0x09: 'signed bytes', 0x0b: 'shorts', 0x0c: 'ints', 0x0d: 'floats', 0x0e: 'doubles' };

/** Same cap as for PNG/JPEG images: one item larger than this is not an image anyone trains on. */
const MAX_ITEM_BYTES = 100e6;

export interface IdxArray {
  dims: number[];
  /** The values of the items read (unsigned bytes), not necessarily the whole file's. */
  data: Uint8Array;
}

export interface IdxHeader {
  dims: number[];
  headerSize: number;
  /** Bytes per item (the product of every dimension but the first). */
  itemSize: number;
  gzipped: boolean;
}

/** True when the name looks like an IDX file (foo-images-idx3-ubyte, foo.idx1-ubyte.gz, ...). */
export function looksLikeIdxName(file: string): boolean {
  return /idx\d[.-]ubyte(\.gz)?$/i.test(path.basename(file));
}

/** The header of an IDX file (gunzipped by content); InputError naming it when corrupt. */
export async function readIdxHeader(file: string): Promise<IdxHeader> {
  const gzipped = await isGzip(file);
  const head = gzipped ? await readGzipPrefix(file, 4 + 4 * 255) : await readPlainPrefix(file, 4 + 4 * 255);
  return parseIdxHeader(head, file, gzipped);
}

/**
 * Reads items first .. first+count-1 (all when count is omitted). A plain file's size is checked
 * against its header; a gzipped file is checked as far as it is read (to its end when the range
 * reaches the last item).
 */
export async function readIdxFile(file: string, range?: { first: number; count: number }): Promise<IdxArray> {
  const header = await readIdxHeader(file);
  const total = header.dims[0];
  const first = Math.min(range?.first ?? 0, total);
  const count = Math.max(0, Math.min(range?.count ?? total, total - first));
  const wanted = count * header.itemSize;
  if (!Number.isSafeInteger(wanted) || wanted > 2 ** 32) {
    throw new InputError(
      `${file} declares ${header.dims.join('x')} values; the ${count} items asked for would take ${Math.round(wanted / 1e9)} GB. Use a smaller --limit.`,
      file,
    );
  }
  const data = header.gzipped ? await readGzipItems(file, header, first, count) : await readPlainItems(file, header, first, count);
  return { dims: header.dims, data };
}

function parseIdxHeader(bytes: Uint8Array, file: string, gzipped: boolean): IdxHeader {
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
  const itemSize = dims.slice(1).reduce((a, b) => a * b, 1);
  if (itemSize > MAX_ITEM_BYTES) {
    throw new InputError(`${file} declares items of ${dims.slice(1).join('x')} values (${Math.round(itemSize / 1e6)} MB each), over the 100-megapixel limit for an image; it is corrupt or not an image file.`, file);
  }
  return { dims, headerSize, itemSize, gzipped };
}

async function readPlainItems(file: string, header: IdxHeader, first: number, count: number): Promise<Uint8Array> {
  const handle = await fs.open(file, 'r');
  try {
    const size = (await handle.stat()).size;
    const expected = header.headerSize + header.dims[0] * header.itemSize;
    if (size < expected) {
      throw new InputError(`${file} is truncated: its header declares ${header.dims.join('x')} values (${expected} bytes) but it has ${size} bytes. Download it again.`, file);
    }
    if (size > expected) {
      throw new InputError(`${file} has ${size - expected} bytes more than its header (${header.dims.join('x')}) declares; it is corrupt or not an IDX file. Download it again.`, file);
    }
    const data = new Uint8Array(count * header.itemSize);
    let filled = 0;
    const start = header.headerSize + first * header.itemSize;
    while (filled < data.length) {
      const { bytesRead } = await handle.read(data, filled, data.length - filled, start + filled);
      if (bytesRead === 0) throw new InputError(`${file} changed size while it was being read; wait until copying has finished and retry.`, file);
      filled += bytesRead;
    }
    return data;
  } finally {
    await handle.close();
  }
}

/** Streams the decompressed bytes, keeping only the wanted items' bytes; stops after them. */
async function readGzipItems(file: string, header: IdxHeader, first: number, count: number): Promise<Uint8Array> {
  const begin = header.headerSize + first * header.itemSize;
  const end = begin + count * header.itemSize;
  const declaredEnd = header.headerSize + header.dims[0] * header.itemSize;
  // Grown as bytes arrive, so a header that lies about its size costs nothing until data backs it.
  let data: Uint8Array = new Uint8Array(Math.min(end - begin, 16 * 1024 * 1024));
  let position = 0;
  let extra = 0;
  const readsToEnd = end === declaredEnd;
  for await (const chunk of gunzipStream(file)) {
    const bytes = chunk as Buffer;
    const chunkStart = position;
    position += bytes.length;
    if (position > begin && chunkStart < end) {
      const from = Math.max(begin, chunkStart);
      const to = Math.min(end, position);
      if (to - begin > data.length) data = grow(data, Math.min(end - begin, Math.max(to - begin, data.length * 2)));
      data.set(bytes.subarray(from - chunkStart, to - chunkStart), from - begin);
    }
    if (position > declaredEnd) extra = position - declaredEnd;
    if (position >= end && !readsToEnd) break;
  }
  if (position < end) {
    throw new InputError(`${file} is truncated: its header declares ${header.dims.join('x')} values (${declaredEnd} bytes once decompressed) but it holds ${position} bytes. Download it again.`, file);
  }
  if (extra > 0) {
    throw new InputError(`${file} has ${extra} bytes more than its header (${header.dims.join('x')}) declares; it is corrupt or not an IDX file. Download it again.`, file);
  }
  return data.length === end - begin ? data : grow(data, end - begin);
}

function grow(data: Uint8Array, size: number): Uint8Array {
  const larger = new Uint8Array(size);
  larger.set(data.subarray(0, Math.min(size, data.length)));
  return larger;
}

async function* gunzipStream(file: string): AsyncGenerator<Buffer> {
  // pipeline (not pipe) so that a read error (EACCES, EISDIR) reaches the loop instead of stalling it.
  const stream = pipeline(createReadStream(file), zlib.createGunzip(), () => undefined);
  const input = stream as unknown as AsyncIterable<Buffer>;
  try {
    for await (const chunk of input) yield chunk;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== undefined && !code.startsWith('Z_')) {
      throw new InputError(`${file} cannot be read (${(err as Error).message}); check its permissions.`, file);
    }
    throw new InputError(`${file} is a damaged gzip file (${(err as Error).message}); download it again.`, file);
  } finally {
    stream.destroy();
  }
}

async function readGzipPrefix(file: string, length: number): Promise<Uint8Array> {
  const parts: Buffer[] = [];
  let total = 0;
  for await (const chunk of gunzipStream(file)) {
    parts.push(chunk);
    total += chunk.length;
    if (total >= length) break;
  }
  return Buffer.concat(parts).subarray(0, length);
}

async function readPlainPrefix(file: string, length: number): Promise<Uint8Array> {
  const handle = await fs.open(file, 'r').catch((err: NodeJS.ErrnoException) => {
    throw new InputError(`${file} cannot be read (${err.code ?? err.message}); check its permissions.`, file);
  });
  try {
    const head = Buffer.alloc(length);
    const { bytesRead } = await handle.read(head, 0, length, 0);
    return head.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

async function isGzip(file: string): Promise<boolean> {
  const head = await readPlainPrefix(file, 2);
  return head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b;
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
