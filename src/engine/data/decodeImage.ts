/**
 * Decodes PNG and JPEG bytes into 8-bit pixels with 1 (gray) or 3 (RGB) channels.
 * Pure-JS decoders (pngjs, jpeg-js) so the engine installs offline with no native build.
 */
import { PNG } from 'pngjs';
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

function decodeJpeg(bytes: Uint8Array): DecodedImage {
  // formatAsRGBA:false gives RGB directly; gray JPEGs come back with three equal channels.
  const image = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: false });
  const { width, height, data } = image;
  if (!width || !height || data.length < width * height * 3) throw new Error('JPEG has no pixel data');
  return { width, height, channels: 3, pixels: data };
}
