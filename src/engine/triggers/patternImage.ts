/**
 * The pattern image of a Blended trigger: read from a PNG/JPEG file, or drawn as seeded random
 * pixels, and brought to the model's input shape (raw 0..255 values, H*W*C, row-major).
 */
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import type { ImageShape } from '../data/types';
import { InputError } from '../errors';
import { derivedRng } from '../random';

/**
 * Uniform random integers 0..255 per pixel and channel, like BackdoorBench's
 * `cifar10_random_pixels` (np.random.randint(256)), but drawn from our seed at the input size.
 */
export function randomPixelPattern(shape: ImageShape, seed: number): Float32Array {
  const rng = derivedRng(seed, 'blended/random-pixels');
  const out = new Float32Array(shape.height * shape.width * shape.channels);
  for (let i = 0; i < out.length; i++) out[i] = rng.int(256);
  return out;
}

/** Decodes a PNG or JPEG and resizes it bilinearly to the input shape. */
export async function loadPatternImage(file: string, shape: ImageShape): Promise<Float32Array> {
  let bytes: Buffer;
  try {
    bytes = await fs.promises.readFile(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? String(err);
    throw new InputError(`${file}: cannot read the Blended pattern image (${code}); check the "image" path in the trigger spec.`, file);
  }
  const rgba = decodeRgba(bytes, file);
  return tf.tidy(() => {
    const pixels = adaptChannels(rgba.data, rgba.width * rgba.height, shape.channels);
    const image = tf.tensor3d(pixels, [rgba.height, rgba.width, shape.channels]);
    const resized =
      rgba.height === shape.height && rgba.width === shape.width
        ? image
        : tf.image.resizeBilinear(image, [shape.height, shape.width], false, true);
    return resized.clipByValue(0, 255).dataSync() as Float32Array;
  });
}

function decodeRgba(bytes: Buffer, file: string): { width: number; height: number; data: Uint8Array } {
  const isPng = bytes.length >= 8 && bytes.readUInt32BE(0) === 0x89504e47;
  const isJpeg = bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff;
  try {
    if (isPng) {
      const png = PNG.sync.read(bytes);
      return { width: png.width, height: png.height, data: png.data };
    }
    if (isJpeg) {
      const img = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true, maxMemoryUsageInMB: 512 });
      return { width: img.width, height: img.height, data: img.data };
    }
  } catch (err) {
    throw new InputError(`${file}: could not decode the Blended pattern image (${(err as Error).message}); save it again as PNG.`, file);
  }
  throw new InputError(
    `${file}: the Blended pattern must be a PNG or JPEG image (${path.extname(file) || 'no extension'} given); convert it to PNG.`,
    file,
  );
}

/** RGBA bytes to the model's channel count: 3 = RGB, 4 = RGBA, otherwise luma on every channel. */
function adaptChannels(rgba: Uint8Array, pixelCount: number, channels: number): Float32Array {
  const out = new Float32Array(pixelCount * channels);
  for (let p = 0; p < pixelCount; p++) {
    const r = rgba[4 * p];
    const g = rgba[4 * p + 1];
    const b = rgba[4 * p + 2];
    if (channels === 3 || channels === 4) {
      out[p * channels] = r;
      out[p * channels + 1] = g;
      out[p * channels + 2] = b;
      if (channels === 4) out[p * channels + 3] = rgba[4 * p + 3];
    } else {
      // ITU-R 601 luma, as PIL's convert('L') that torchvision uses for grayscale datasets.
      const luma = (r * 299 + g * 587 + b * 114) / 1000;
      for (let c = 0; c < channels; c++) out[p * channels + c] = luma;
    }
  }
  return out;
}
