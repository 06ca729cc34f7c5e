/**
 * Localizing a recovered trigger before it is unlearned. Neural Cleanse's smallest mask for a
 * patch backdoor can also paint natural features of the target class, which are cheap ways toward
 * it too: on the demo's BadNets small CNN the mask held the corner checkerboard and T-shirt sleeves.
 * Unlearning the sleeves taught the student to ignore real T-shirt evidence (T-shirts became
 * shirts; clean accuracy fell 13 points). So: when the mask restricted to one square window (a
 * quarter of the image side) flips nearly as many images as the whole mask (>= `keepShare` of its
 * flip rate), the trigger lives in that window and only the window is unlearned. A global trigger
 * (a blend, a warp) that no window carries keeps the whole mask.
 */
import * as tf from '@tensorflow/tfjs';
import type { TriggerFocus } from '../../shared/report';
import type { Scaling } from '../data';
import { stampedModelInput } from './stampedInput';

export const FOCUS_DEFAULTS = { windowShare: 0.25, candidates: 12, keepShare: 0.8 };

export interface FocusOptions {
  scaling: Scaling;
  windowShare?: number;
  /** Windows tried: the heaviest by mask mass, overlapping each other by at most a quarter. */
  candidates?: number;
  keepShare?: number;
}

/** Share of `images` (0..1 scale) that x' = (1 - m) x + m p sends to `target`. */
export function flipRate(model: tf.LayersModel, images: tf.Tensor4D, mask: Float32Array, pattern: Float32Array, target: number, scaling: Scaling): number {
  const [n, h, w, c] = images.shape;
  if (n === 0) return 0;
  const rate = tf.tidy(() => {
    const input = stampedModelInput(images, tf.tensor3d(mask, [h, w, 1]), tf.tensor3d(pattern, [h, w, c]), scaling);
    const predicted = tf.argMax(model.predict(input, { batchSize: 128 }) as tf.Tensor, -1);
    return tf.mean(tf.cast(tf.equal(predicted, target), 'float32'));
  });
  const value = (rate.dataSync() as Float32Array)[0];
  rate.dispose();
  return value;
}

/**
 * Top-left corners of the heaviest `count` size x size windows of `mask`, overlapping each other by
 * at most a quarter of a window (so one spread-out feature does not take every candidate).
 */
export function heaviestWindows(mask: Float32Array, h: number, w: number, size: number, count: number): { top: number; left: number; mass: number }[] {
  // Prefix sums: the mass of any window in O(1).
  const sum = new Float64Array((h + 1) * (w + 1));
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) sum[(y + 1) * (w + 1) + x + 1] = mask[y * w + x] + sum[y * (w + 1) + x + 1] + sum[(y + 1) * (w + 1) + x] - sum[y * (w + 1) + x];
  }
  const all: { top: number; left: number; mass: number }[] = [];
  for (let top = 0; top + size <= h; top++) {
    for (let left = 0; left + size <= w; left++) {
      const mass = sum[(top + size) * (w + 1) + left + size] - sum[top * (w + 1) + left + size] - sum[(top + size) * (w + 1) + left] + sum[top * (w + 1) + left];
      all.push({ top, left, mass });
    }
  }
  all.sort((a, b) => b.mass - a.mass);
  const picked: typeof all = [];
  for (const win of all) {
    if (picked.length >= count) break;
    const overlaps = picked.some((p) => {
      const dy = Math.max(0, size - Math.abs(p.top - win.top));
      const dx = Math.max(0, size - Math.abs(p.left - win.left));
      return dy * dx > (size * size) / 4;
    });
    if (!overlaps) picked.push(win);
  }
  return picked;
}

/** The mask to unlearn (the best window's, or the whole mask) and what was measured to choose it. */
export function focusTrigger(
  model: tf.LayersModel,
  images: tf.Tensor4D,
  trigger: { mask: Float32Array; pattern: Float32Array },
  target: number,
  options: FocusOptions,
): { mask: Float32Array; focus: TriggerFocus } {
  const o = { ...FOCUS_DEFAULTS, ...options };
  const [, h, w] = images.shape;
  const size = Math.max(2, Math.round(Math.min(h, w) * o.windowShare));
  const fullFlipRate = flipRate(model, images, trigger.mask, trigger.pattern, target, o.scaling);
  const whole = { mask: trigger.mask, focus: { window: null, flipRate: fullFlipRate, fullFlipRate } };
  if (size >= Math.min(h, w) || fullFlipRate === 0) return whole;
  let best: { mask: Float32Array; focus: TriggerFocus } | null = null;
  for (const win of heaviestWindows(trigger.mask, h, w, size, o.candidates)) {
    const windowed = new Float32Array(trigger.mask.length);
    for (let y = win.top; y < win.top + size; y++) {
      for (let x = win.left; x < win.left + size; x++) windowed[y * w + x] = trigger.mask[y * w + x];
    }
    const rate = flipRate(model, images, windowed, trigger.pattern, target, o.scaling);
    if (!best || rate > best.focus.flipRate) best = { mask: windowed, focus: { window: { top: win.top, left: win.left, size }, flipRate: rate, fullFlipRate } };
  }
  return best && best.focus.flipRate >= o.keepShare * fullFlipRate ? best : whole;
}
