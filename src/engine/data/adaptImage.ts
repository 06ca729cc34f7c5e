/**
 * Brings a decoded image to the model's input: bilinear resize and channel adaptation, on uint8.
 * Done once per image on the CPU (not with tf ops) so adapted pixels can be cached compactly.
 */
import type { ImageShape } from './types';
import type { DecodedImage } from './decodeImage';

/** Resizes and converts channels; returns HWC uint8 pixels at `shape`. */
export function adaptImage(image: DecodedImage, shape: ImageShape): Uint8Array {
  const from = image.channels;
  const to = shape.channels;
  if (to !== 1 && to !== 3) throw new Error(`cannot adapt images to ${to} channels (only 1 or 3)`);
  // Convert first when it shrinks the data (RGB -> gray), after resizing when it grows it.
  if (from === 3 && to === 1) {
    const gray = convertChannels(image.pixels, image.width * image.height, 3, 1);
    return resizeBilinear(gray, image.height, image.width, 1, shape.height, shape.width);
  }
  const resized = resizeBilinear(image.pixels, image.height, image.width, from, shape.height, shape.width);
  return convertChannels(resized, shape.height * shape.width, from, to);
}

/** gray -> RGB repeats the value; RGB -> gray uses ITU-R BT.601 luminance. */
export function convertChannels(pixels: Uint8Array, pixelCount: number, from: number, to: number): Uint8Array {
  if (from === to) return pixels;
  const out = new Uint8Array(pixelCount * to);
  if (from === 1 && to === 3) {
    for (let i = 0, o = 0; i < pixelCount; i++, o += 3) {
      const v = pixels[i];
      out[o] = v;
      out[o + 1] = v;
      out[o + 2] = v;
    }
    return out;
  }
  if (from === 3 && to === 1) {
    for (let i = 0, s = 0; i < pixelCount; i++, s += 3) {
      out[i] = Math.round(0.299 * pixels[s] + 0.587 * pixels[s + 1] + 0.114 * pixels[s + 2]);
    }
    return out;
  }
  throw new Error(`cannot convert ${from} channels to ${to}`);
}

/**
 * Separable bilinear (triangle-filter) resize with half-pixel centres, like PIL's BILINEAR, which
 * most training pipelines (torchvision) used: upscaling is plain bilinear; downscaling widens the
 * filter to the scale factor so small outputs do not alias.
 */
export function resizeBilinear(
  pixels: Uint8Array,
  inHeight: number,
  inWidth: number,
  channels: number,
  outHeight: number,
  outWidth: number,
): Uint8Array {
  if (inHeight === outHeight && inWidth === outWidth) return pixels;
  const cols = axisFilter(inWidth, outWidth);
  const rows = axisFilter(inHeight, outHeight);

  // Horizontal pass into floats (inHeight x outWidth), then vertical pass into uint8.
  const rowStride = outWidth * channels;
  const horizontal = new Float32Array(inHeight * rowStride);
  for (let y = 0; y < inHeight; y++) {
    const inRow = y * inWidth * channels;
    const outRow = y * rowStride;
    for (let x = 0; x < outWidth; x++) {
      const first = cols.first[x];
      const taps = cols.taps[x];
      const w0 = x * cols.maxTaps;
      for (let c = 0; c < channels; c++) {
        let sum = 0;
        for (let t = 0; t < taps; t++) sum += cols.weights[w0 + t] * pixels[inRow + (first + t) * channels + c];
        horizontal[outRow + x * channels + c] = sum;
      }
    }
  }
  const out = new Uint8Array(outHeight * rowStride);
  const sums = new Float32Array(rowStride); // whole rows at a time: sequential memory access
  for (let y = 0; y < outHeight; y++) {
    sums.fill(0);
    for (let t = 0; t < rows.taps[y]; t++) {
      const w = rows.weights[y * rows.maxTaps + t];
      const inRow = (rows.first[y] + t) * rowStride;
      for (let i = 0; i < rowStride; i++) sums[i] += w * horizontal[inRow + i];
    }
    const outRow = y * rowStride;
    for (let i = 0; i < rowStride; i++) {
      const v = sums[i];
      out[outRow + i] = v <= 0 ? 0 : v >= 255 ? 255 : Math.round(v);
    }
  }
  return out;
}

interface AxisFilter {
  /** First source index contributing to each output index. */
  first: Int32Array;
  taps: Int32Array;
  maxTaps: number;
  /** Normalized weights, maxTaps per output index. */
  weights: Float32Array;
}

function axisFilter(inSize: number, outSize: number): AxisFilter {
  const scale = inSize / outSize;
  const filterScale = Math.max(scale, 1);
  const support = filterScale; // triangle filter radius 1, widened when downscaling
  const maxTaps = Math.ceil(support) * 2 + 1;
  const first = new Int32Array(outSize);
  const taps = new Int32Array(outSize);
  const weights = new Float32Array(outSize * maxTaps);
  for (let i = 0; i < outSize; i++) {
    const centre = (i + 0.5) * scale;
    const lo = Math.max(0, Math.trunc(centre - support + 0.5));
    const hi = Math.min(inSize, Math.trunc(centre + support + 0.5));
    let total = 0;
    const count = Math.min(hi - lo, maxTaps);
    for (let t = 0; t < count; t++) {
      const w = Math.max(0, 1 - Math.abs((lo + t + 0.5 - centre) / filterScale));
      weights[i * maxTaps + t] = w;
      total += w;
    }
    for (let t = 0; t < count; t++) weights[i * maxTaps + t] /= total;
    first[i] = lo;
    taps[i] = count;
  }
  return { first, taps, maxTaps, weights };
}
