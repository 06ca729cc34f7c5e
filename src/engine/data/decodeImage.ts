/**
 * Decodes PNG and JPEG bytes into 8-bit pixels with 1 (gray) or 3 (RGB) channels.
 * Pure-JS decoders (pngjs, jpeg-js) so the engine installs offline with no native build.
 */
import { PNG } from 'pngjs';
import * as zlib from 'node:zlib';
import * as jpeg from 'jpeg-js';

export interface DecodedImage {
  width: number;
  height: number;
  /** 1 for gray images, 3 for colour ones (alpha is dropped). */
  channels: 1 | 3;
  /** HWC, row-major. */
  pixels: Uint8Array;
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

export type ImageFormat = 'png' | 'jpeg';

/** Sniffs the format from the first bytes, not the file name (a .jpg may hold a PNG). */
export function sniffImageFormat(bytes: Uint8Array): ImageFormat | null {
  if (bytes.length >= 8 && PNG_SIGNATURE.every((b, i) => bytes[i] === b)) return 'png';
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'jpeg';
  return null;
}

/** Throws a plain Error saying why when the bytes are not a decodable PNG/JPEG. */
export function decodeImage(bytes: Uint8Array): DecodedImage {
  const format = sniffImageFormat(bytes);
  if (format === 'png') return decodePng(bytes);
  if (format === 'jpeg') return decodeJpeg(bytes);
  throw new Error('not a PNG or JPEG file (unrecognized first bytes)');
}

/** Same cap jpeg-js applies by default, so a huge PNG is skipped instead of exhausting memory. */
const MAX_MEGAPIXELS = 100;

function decodePng(bytes: Uint8Array): DecodedImage {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  // IHDR is always the first chunk: width and height at bytes 16..23.
  if (buffer.length >= 24 && buffer.readUInt32BE(16) * buffer.readUInt32BE(20) > MAX_MEGAPIXELS * 1e6) {
    throw new Error(`PNG is ${buffer.readUInt32BE(16)}x${buffer.readUInt32BE(20)}, over the ${MAX_MEGAPIXELS}-megapixel limit`);
  }
  checkPngPixelData(buffer);
  // pngjs expands every colour type (gray, gray+alpha, palette, 16-bit) to 8-bit RGBA.
  const png = PNG.sync.read(buffer);
  const { width, height } = png;
  const rgba = png.data;
  if (!width || !height || rgba.length < width * height * 4) throw new Error('PNG has no pixel data');
  const channels: 1 | 3 = png.color ? 3 : 1;
  const pixels = new Uint8Array(width * height * channels);
  const n = width * height;
  if (channels === 1) {
    for (let i = 0; i < n; i++) pixels[i] = rgba[i * 4];
  } else {
    for (let i = 0, o = 0; i < n; i++, o += 3) {
      pixels[o] = rgba[i * 4];
      pixels[o + 1] = rgba[i * 4 + 1];
      pixels[o + 2] = rgba[i * 4 + 2];
    }
  }
  return { width, height, channels, pixels };
}

/**
 * pngjs turns a zlib stream that is corrupt or cut short into black pixels without an error, so
 * the image data is inflated here first and must be exactly as long as the header says.
 */
function checkPngPixelData(buffer: Buffer): void {
  let width = 0;
  let height = 0;
  let bitsPerPixel = 0;
  let interlaced = false;
  const idat: Buffer[] = [];
  for (let at = 8; at + 8 <= buffer.length; ) {
    const length = buffer.readUInt32BE(at);
    const type = buffer.toString('latin1', at + 4, at + 8);
    const data = buffer.subarray(at + 8, at + 8 + length);
    if (data.length < length) throw new Error(`PNG is truncated (its ${type} chunk is cut short)`);
    if (type === 'IHDR' && length >= 13) {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      bitsPerPixel = data[8] * (PNG_SAMPLES_PER_PIXEL[data[9]] ?? 0);
      interlaced = data[12] === 1;
    }
    if (type === 'IDAT') idat.push(data);
    if (type === 'IEND') break;
    at += 12 + length;
  }
  if (!width || !height || !bitsPerPixel) return; // pngjs says what is wrong with the header
  if (idat.length === 0) throw new Error('PNG has no image data (no IDAT chunk)');
  const expected = inflatedPngSize(width, height, bitsPerPixel, interlaced);
  let inflated: Buffer;
  try {
    inflated = zlib.inflateSync(Buffer.concat(idat), { maxOutputLength: expected + 1 });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ERR_BUFFER_TOO_LARGE') throw new Error('PNG pixel data is longer than its width and height allow');
    throw new Error(`PNG pixel data is corrupt (${(error as Error).message})`);
  }
  if (inflated.length !== expected) {
    throw new Error(`PNG pixel data is ${inflated.length < expected ? 'truncated' : 'too long'} (${inflated.length} of ${expected} bytes)`);
  }
}

/** Samples per pixel by PNG colour type (gray, RGB, palette, gray+alpha, RGBA). */
const PNG_SAMPLES_PER_PIXEL: Readonly<Record<number, number>> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };

/** Bytes of filtered scanlines (one filter byte per row), over the 7 Adam7 passes when interlaced. */
function inflatedPngSize(width: number, height: number, bitsPerPixel: number, interlaced: boolean): number {
  const rowBytes = (w: number) => Math.ceil((w * bitsPerPixel) / 8) + 1;
  if (!interlaced) return height * rowBytes(width);
  const passes = [[0, 0, 8, 8], [4, 0, 8, 8], [0, 4, 4, 8], [2, 0, 4, 4], [0, 2, 2, 4], [1, 0, 2, 2], [0, 1, 1, 2]];
  let total = 0;
  for (const [x0, y0, dx, dy] of passes) {
    const w = Math.ceil((width - x0) / dx);
    const h = Math.ceil((height - y0) / dy);
    if (w > 0 && h > 0) total += h * rowBytes(w);
  }
  return total;
}

function decodeJpeg(bytes: Uint8Array): DecodedImage {
  // formatAsRGBA:false gives RGB directly; gray JPEGs come back with three equal channels.
  const image = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: false });
  const { width, height, data } = image;
  if (!width || !height || data.length < width * height * 3) throw new Error('JPEG has no pixel data');
  return { width, height, channels: 3, pixels: data };
}
