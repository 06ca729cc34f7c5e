/**
 * The reference's augmentation on unlabeled images: random crop of the original size from the
 * image padded by `padding` zero pixels, and an optional horizontal flip. Both come out of one
 * gather over the padded batch with per-pixel source indices (exact, no interpolation). Not
 * cropAndResize: tfjs-backend-wasm 4.22 ignores the box's x offset for unflipped boxes, so every
 * crop came out shifted by the full padding and only the vertical shift was random.
 * Works on raw pixels before normalization (black padding).
 */
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../random';
import { resampleBilinear, type SamplingPlan } from '../triggers/gridSample';

export interface AugmentOptions {
  padding: number;
  flip: boolean;
}

export function randomCropFlip(x: tf.Tensor4D, options: AugmentOptions, rng: Rng): tf.Tensor4D {
  const [n, h, w, c] = x.shape;
  if (options.padding <= 0 && !options.flip) return x.clone();
  const p = Math.max(0, options.padding);
  const hp = h + 2 * p;
  const wp = w + 2 * p;
  // Row of the padded batch (flattened to [n*hp*wp, c]) each output pixel comes from.
  const source = new Int32Array(n * h * w);
  for (let i = 0; i < n; i++) {
    const dy = rng.int(2 * p + 1);
    const dx = rng.int(2 * p + 1);
    const flip = options.flip && rng.next() < 0.5;
    for (let y = 0; y < h; y++) {
      const rowBase = (i * hp + dy + y) * wp + dx;
      const out = (i * h + y) * w;
      for (let xx = 0; xx < w; xx++) source[out + xx] = rowBase + (flip ? w - 1 - xx : xx);
    }
  }
  return tf.tidy(() => {
    const padded = p > 0 ? tf.pad(x, [[0, 0], [p, p], [p, p], [0, 0]]) : x;
    const flat = tf.reshape(padded, [n * hp * wp, c]);
    return tf.reshape(tf.gather(flat, tf.tensor1d(source, 'int32')), [n, h, w, c]) as tf.Tensor4D;
  });
}

export interface ConsistencyOptions {
  /** Share of images given a random square patch of random pixels (local triggers: BadNets). */
  patch: number;
  /** Share of images blended with a random pattern at a random strength up to 0.3 (global triggers). */
  blend: number;
  /** A trigger recovered from the teacher without labels (suspect scan), stamped on a share of images. */
  recovered?: RecoveredTrigger;
}

/** x' = (1 - mask) x + mask * pattern, the Neural Cleanse form; raw pixel scale. */
export interface RecoveredTrigger {
  /** H x W, in 0..1. */
  mask: Float32Array;
  /** H x W x C, in 0..255. */
  pattern: Float32Array;
  /** Share of the student's images that get it. */
  share: number;
  /** A second form of the same trigger (the suspect's whole-image blend): half the stamped images get it instead. */
  alternate?: { mask: Float32Array; pattern: Float32Array };
  /** The suspect's recovered one-pixel warp (suspect/warpTrigger.ts): half the stamped images are warped instead. */
  warp?: SamplingPlan;
}

/**
 * Trigger-agnostic perturbations for the student's copy of a batch (the teacher sees the images
 * without them): the student learns to answer as the teacher does on the clean image whatever
 * small patch or faint pattern is added, so a trigger of that family loses its grip. Raw pixels.
 */
export function consistencyPerturb(x: tf.Tensor4D, options: ConsistencyOptions, rng: Rng): tf.Tensor4D {
  const [n, h, w, c] = x.shape;
  const recovered = options.recovered && options.recovered.share > 0 ? options.recovered : null;
  if (options.patch <= 0 && options.blend <= 0 && !recovered) return x.clone();
  const mask = new Float32Array(n * h * w);
  const values = new Float32Array(n * h * w * c);
  const alpha = new Float32Array(n);
  const warped = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    if (rng.next() < options.patch) {
      const maxSide = Math.max(2, Math.round(Math.min(h, w) / 5));
      const side = 2 + rng.int(maxSide - 1);
      const y0 = rng.int(h - side + 1);
      const x0 = rng.int(w - side + 1);
      for (let y = y0; y < y0 + side; y++) {
        for (let xx = x0; xx < x0 + side; xx++) {
          mask[(i * h + y) * w + xx] = 1;
          for (let ch = 0; ch < c; ch++) values[((i * h + y) * w + xx) * c + ch] = rng.next() < 0.5 ? 0 : 255;
        }
      }
    }
    if (rng.next() < options.blend) alpha[i] = 0.3 * rng.next();
    // The recovered trigger replaces any random patch: it is the one perturbation known to matter.
    if (recovered && rng.next() < recovered.share) {
      if (recovered.warp && rng.next() < 0.5) {
        warped[i] = 1;
        continue;
      }
      const form = recovered.alternate && rng.next() < 0.5 ? recovered.alternate : recovered;
      for (let k = 0; k < h * w; k++) {
        mask[i * h * w + k] = form.mask[k];
        for (let ch = 0; ch < c; ch++) values[(i * h * w + k) * c + ch] = form.pattern[k * c + ch];
      }
    }
  }
  const pattern = new Float32Array(n * h * w * c);
  for (let k = 0; k < pattern.length; k++) pattern[k] = 255 * rng.next();
  return tf.tidy(() => {
    const a = tf.tensor4d(alpha, [n, 1, 1, 1]);
    const blended = tf.add(tf.mul(x, tf.sub(1, a)), tf.mul(tf.tensor4d(pattern, [n, h, w, c]), a));
    const m = tf.tensor4d(mask, [n, h, w, 1]);
    const stamped = tf.add(tf.mul(blended, tf.sub(1, m)), tf.mul(tf.tensor4d(values, [n, h, w, c]), m)) as tf.Tensor4D;
    if (!recovered?.warp || !warped.some((v) => v > 0)) return stamped;
    // The warped images: the clean image resampled through the recovered warp, nothing stamped or blended.
    const s = tf.tensor4d(warped, [n, 1, 1, 1]);
    return tf.add(tf.mul(stamped, tf.sub(1, s)), tf.mul(resampleBilinear(x, recovered.warp), s)) as tf.Tensor4D;
  });
}
