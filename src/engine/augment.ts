/**
 * The reference's augmentation on unlabeled images: random crop of the original size from the
 * image padded by `padding` zero pixels, and an optional horizontal flip. Both come out of one
 * cropAndResize call with per-image boxes at integer offsets (exact, no interpolation); a box
 * with x1 > x2 is a mirrored crop. Works on raw pixels before normalization (black padding).
 */
import * as tf from '@tensorflow/tfjs';
import type { Rng } from './random';

export interface AugmentOptions {
  padding: number;
  flip: boolean;
}

export function randomCropFlip(x: tf.Tensor4D, options: AugmentOptions, rng: Rng): tf.Tensor4D {
  const [n, h, w] = x.shape;
  if (options.padding <= 0 && !options.flip) return x.clone();
  const p = Math.max(0, options.padding);
  const hp = h + 2 * p;
  const wp = w + 2 * p;
  const boxes = new Float32Array(n * 4);
  for (let i = 0; i < n; i++) {
    const dy = rng.int(2 * p + 1);
    const dx = rng.int(2 * p + 1);
    const flip = options.flip && rng.next() < 0.5;
    const y1 = dy / (hp - 1);
    const y2 = (dy + h - 1) / (hp - 1);
    const x1 = dx / (wp - 1);
    const x2 = (dx + w - 1) / (wp - 1);
    boxes.set(flip ? [y1, x2, y2, x1] : [y1, x1, y2, x2], i * 4);
  }
  return tf.tidy(() => {
    const padded = p > 0 ? tf.pad(x, [[0, 0], [p, p], [p, p], [0, 0]]) : x;
    const indices = tf.range(0, n, 1, 'int32') as tf.Tensor1D;
    return tf.image.cropAndResize(padded, tf.tensor2d(boxes, [n, 4]), indices, [h, w], 'nearest');
  });
}
