/**
 * A labeled image set the demo and the tests can make with no files at all: 28x28 gray images of
 * ten classes, each an oriented stripe pattern (class k at angle k*18 degrees, stripe period and
 * phase jittered) with noise. Learnable in one epoch by a small CNN, varied enough that a 3x3
 * corner patch is a distinct feature (so a backdoor can be planted and removed).
 */
import { Rng } from '../random';
import type { ImageShape } from './types';

export const SYNTHETIC_SHAPE: ImageShape = { height: 28, width: 28, channels: 1 };
export const SYNTHETIC_CLASSES = 10;

export function syntheticImages(count: number, seed: number): { pixels: Uint8Array; labels: Int32Array } {
  const rng = new Rng(seed);
  const { height, width } = SYNTHETIC_SHAPE;
  const pixels = new Uint8Array(count * height * width);
  const labels = new Int32Array(count);
  for (let n = 0; n < count; n++) {
    const label = rng.int(SYNTHETIC_CLASSES);
    labels[n] = label;
    const angle = (label * Math.PI) / SYNTHETIC_CLASSES + (rng.next() - 0.5) * 0.12;
    const period = 5 + rng.next() * 3;
    const phase = rng.next() * 2 * Math.PI;
    const contrast = 60 + rng.next() * 40;
    const cos = Math.cos(angle);
    const sin = Math.sin(angle);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const t = ((x - width / 2) * cos + (y - height / 2) * sin) * ((2 * Math.PI) / period) + phase;
        const noise = (rng.next() - 0.5) * 30;
        const value = 128 + contrast * Math.sin(t) + noise;
        pixels[n * height * width + y * width + x] = Math.max(0, Math.min(255, Math.round(value)));
      }
    }
  }
  return { pixels, labels };
}
