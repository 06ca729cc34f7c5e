/**
 * Test fixtures for the data loaders, generated at test time: a tiny PNG encoder (pngjs cannot
 * write palette or 16-bit files), JPEGs via jpeg-js, IDX files, and a temp folder that cleans up.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as zlib from 'zlib';
import * as assert from 'assert';
import * as jpeg from 'jpeg-js';
import { InputError } from '../../src/engine/errors';

export interface PngSpec {
  width: number;
  height: number;
  /** 0 gray, 2 RGB, 3 palette, 4 gray+alpha, 6 RGBA. */
  colorType: 0 | 2 | 3 | 4 | 6;
  bitDepth?: 1 | 2 | 4 | 8 | 16;
  /** Samples in row-major order (palette indices for colorType 3). */
  samples: ArrayLike<number>;
  /** RGB triples for colorType 3. */
  palette?: number[][];
}

const SAMPLES_PER_PIXEL = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 } as const;

export function encodePng(spec: PngSpec): Buffer {
  const depth = spec.bitDepth ?? 8;
  const perPixel = SAMPLES_PER_PIXEL[spec.colorType];
  const rowBits = spec.width * perPixel * depth;
  const rowBytes = Math.ceil(rowBits / 8);
  const raw = Buffer.alloc((rowBytes + 1) * spec.height);
  for (let y = 0; y < spec.height; y++) {
    const rowStart = y * (rowBytes + 1) + 1; // byte 0 of each row: filter type 0 (none)
    for (let s = 0; s < spec.width * perPixel; s++) {
      const value = spec.samples[y * spec.width * perPixel + s];
      if (depth === 16) raw.writeUInt16BE(value, rowStart + s * 2);
      else if (depth === 8) raw[rowStart + s] = value;
      else {
        const bit = s * depth;
        raw[rowStart + (bit >> 3)] |= value << (8 - depth - (bit & 7));
      }
    }
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(spec.width, 0);
  header.writeUInt32BE(spec.height, 4);
  header[8] = depth;
  header[9] = spec.colorType;
  const chunks = [chunk('IHDR', header)];
  if (spec.palette) chunks.push(chunk('PLTE', Buffer.from(spec.palette.flat())));
  chunks.push(chunk('IDAT', zlib.deflateSync(raw)), chunk('IEND', Buffer.alloc(0)));
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), ...chunks]);
}

function chunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const typeAndData = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(zlib.crc32(typeAndData) >>> 0);
  return Buffer.concat([length, typeAndData, crc]);
}

/** 8-bit gray or RGB PNG from HWC pixels. */
export function pngFromPixels(width: number, height: number, channels: 1 | 3, pixels: ArrayLike<number>): Buffer {
  return encodePng({ width, height, colorType: channels === 1 ? 0 : 2, samples: pixels });
}

/** A solid-colour RGB PNG. */
export function solidPng(width: number, height: number, rgb: [number, number, number]): Buffer {
  const pixels = new Uint8Array(width * height * 3);
  for (let i = 0; i < width * height; i++) pixels.set(rgb, i * 3);
  return pngFromPixels(width, height, 3, pixels);
}

export function jpegFromRgb(width: number, height: number, rgb: ArrayLike<number>, quality = 100): Buffer {
  const rgba = Buffer.alloc(width * height * 4);
  for (let i = 0; i < width * height; i++) {
    rgba[i * 4] = rgb[i * 3];
    rgba[i * 4 + 1] = rgb[i * 3 + 1];
    rgba[i * 4 + 2] = rgb[i * 3 + 2];
    rgba[i * 4 + 3] = 255;
  }
  return jpeg.encode({ width, height, data: rgba }, quality).data;
}

export function solidJpeg(width: number, height: number, rgb: [number, number, number]): Buffer {
  const pixels = new Uint8Array(width * height * 3);
  for (let i = 0; i < width * height; i++) pixels.set(rgb, i * 3);
  return jpegFromRgb(width, height, pixels);
}

export function idxBytes(dims: number[], data: ArrayLike<number>): Buffer {
  const header = Buffer.alloc(4 + 4 * dims.length);
  header[2] = 0x08;
  header[3] = dims.length;
  dims.forEach((d, i) => header.writeUInt32BE(d, 4 + 4 * i));
  return Buffer.concat([header, Buffer.from(Uint8Array.from(data))]);
}

/** A fresh folder under os.tmpdir(); `write` creates parent folders; `remove` deletes it all. */
export class TempDir {
  readonly root = fs.mkdtempSync(path.join(os.tmpdir(), 'bcu-data-test-'));

  path(relative: string): string {
    return path.join(this.root, relative);
  }

  write(relative: string, bytes: Uint8Array | string): string {
    const file = this.path(relative);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, bytes);
    return file;
  }

  mkdir(relative: string): string {
    const dir = this.path(relative);
    fs.mkdirSync(dir, { recursive: true });
    return dir;
  }

  remove(): void {
    fs.rmSync(this.root, { recursive: true, force: true });
  }
}

/** Drains a source into one array of pixel values (and labels), disposing every batch. */
export async function collect(
  batches: AsyncGenerator<{ x: { dataSync(): ArrayLike<number>; dispose(): void }; labels: Int32Array | null; indices: Int32Array }>,
): Promise<{ pixels: number[]; labels: number[]; indices: number[]; sizes: number[] }> {
  const out = { pixels: [] as number[], labels: [] as number[], indices: [] as number[], sizes: [] as number[] };
  for await (const batch of batches) {
    out.pixels.push(...Array.from(batch.x.dataSync()));
    batch.x.dispose();
    if (batch.labels) out.labels.push(...batch.labels);
    out.indices.push(...batch.indices);
    out.sizes.push(batch.indices.length);
  }
  return out;
}

/** Awaits `promise` and checks it rejects with an InputError whose message matches `pattern`. */
export async function rejectsInput(promise: Promise<unknown>, pattern: RegExp): Promise<InputError> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof InputError, `expected InputError, got ${err}`);
    assert.match(err.message, pattern);
    return err;
  }
  throw new assert.AssertionError({ message: 'expected an InputError' });
}
