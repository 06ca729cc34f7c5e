/**
 * Warp-trigger inversion, the scan's second look when no mask is small enough. Neural Cleanse's
 * smallest mask cannot express a warp (WaNet moves every pixel by under a pixel and stamps nothing),
 * so a WaNet target's mask comes out barely smaller than a clean model's cheapest class. Here
 * the trigger for class t is one smooth displacement field shared by every image, at most
 * `maxShiftPx` pixels in x and in y (k x k control points through tanh, upsampled bilinearly),
 * fitted with Adam to send the images to t; the images are resampled bilinearly, edges clamped.
 * A backdoor's warp flips nearly every image; a clean model's classes do not yield to a
 * one-pixel warp (the calibration is in docs/diagnostics.md).
 */
import * as tf from '@tensorflow/tfjs';
import type { Scaling } from '../data';
import { throwIfAborted } from '../errors';
import { derivedRng } from '../random';
import { unitToModelInput } from './stampedInput';
import { samplingPlan, type SamplingPlan } from '../triggers/gridSample';

export interface WarpFitOptions {
  scaling: Scaling;
  /** Control points per side of the displacement field. */
  controlPoints?: number;
  /** Largest displacement, in pixels, in each direction. */
  maxShiftPx?: number;
  rounds?: number;
  stepsPerRound?: number;
  batchSize?: number;
  /** Images each round's flip rate is measured on. */
  checkImages?: number;
  lr?: number;
  seed?: number;
  signal?: AbortSignal;
}

export const WARP_DEFAULTS = { controlPoints: 7, maxShiftPx: 1, rounds: 8, stepsPerRound: 8, batchSize: 16, checkImages: 64, lr: 0.1, seed: 0 };

export interface WarpTrigger {
  class: number;
  /** Best flip rate of a round on the check images (those not already predicted as the class). */
  flipRate: number;
  /** Mean and largest displacement of that round's field, in pixels. */
  meanShiftPx: number;
  maxShiftPx: number;
  /** That round's displacement in pixels, H x W each (dx: along a row, dy: down a column). */
  field: { dx: Float32Array; dy: Float32Array };
}

/**
 * The fitted warp as a gather plan (triggers/gridSample.ts), to warp the student's images while it
 * unlearns the trigger: positions clamped to the image as in the fit, so no neighbour falls outside.
 */
export function warpPlan(field: WarpTrigger['field'], height: number, width: number): SamplingPlan {
  const grid = new Float64Array(height * width * 2);
  const unit = (v: number, n: number) => (n > 1 ? (2 * v) / (n - 1) - 1 : -1);
  for (let i = 0; i < height; i++) {
    for (let j = 0; j < width; j++) {
      const p = i * width + j;
      grid[2 * p] = unit(Math.min(width - 1, Math.max(0, j + field.dx[p])), width);
      grid[2 * p + 1] = unit(Math.min(height - 1, Math.max(0, i + field.dy[p])), height);
    }
  }
  return samplingPlan(grid, 1, height, width);
}

/** n x k weights that interpolate k evenly spaced control values to n positions (linear, end points aligned). */
export function interpolationMatrix(n: number, k: number): Float32Array {
  const m = new Float32Array(n * k);
  for (let i = 0; i < n; i++) {
    const u = n > 1 && k > 1 ? (i * (k - 1)) / (n - 1) : 0;
    const a = Math.min(Math.floor(u), k - 1);
    const f = u - a;
    m[i * k + a] += 1 - f;
    if (f > 0) m[i * k + a + 1] += f;
  }
  return m;
}

/** The 4 neighbours each output pixel reads from (row * W + col) and the top-left corner's position, for one field. */
interface Corners {
  indices: tf.Tensor1D[];
  x0: tf.Tensor2D;
  y0: tf.Tensor2D;
}

function cornersOf(dx: Float32Array, dy: Float32Array, h: number, w: number): Corners {
  const idx = [new Int32Array(h * w), new Int32Array(h * w), new Int32Array(h * w), new Int32Array(h * w)];
  const x0s = new Float32Array(h * w);
  const y0s = new Float32Array(h * w);
  for (let i = 0; i < h; i++) {
    for (let j = 0; j < w; j++) {
      const p = i * w + j;
      const x = Math.min(w - 1, Math.max(0, j + dx[p]));
      const y = Math.min(h - 1, Math.max(0, i + dy[p]));
      const x0 = Math.floor(x);
      const y0 = Math.floor(y);
      const x1 = Math.min(x0 + 1, w - 1);
      const y1 = Math.min(y0 + 1, h - 1);
      x0s[p] = x0;
      y0s[p] = y0;
      idx[0][p] = y0 * w + x0;
      idx[1][p] = y0 * w + x1;
      idx[2][p] = y1 * w + x0;
      idx[3][p] = y1 * w + x1;
    }
  }
  return { indices: idx.map((a) => tf.tensor1d(a, 'int32')), x0: tf.tensor2d(x0s, [h, w]), y0: tf.tensor2d(y0s, [h, w]) };
}

function disposeCorners(c: Corners): void {
  tf.dispose([...c.indices, c.x0, c.y0]);
}

/**
 * Fits the one-pixel warp that sends `images` (0..1, none already predicted as `target`) to
 * `target`. The neighbours are fixed per step from the current field; the bilinear weights carry
 * the gradient (exact, since both come from the same field).
 */
export async function fitWarpTrigger(logits: tf.LayersModel, images: tf.Tensor4D, target: number, options: WarpFitOptions): Promise<WarpTrigger> {
  const o = { ...WARP_DEFAULTS, ...Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) } as Required<WarpFitOptions>;
  const [n, h, w, c] = images.shape;
  const k = Math.max(2, Math.min(o.controlPoints, h, w));
  const rng = derivedRng(o.seed, `warp-scan-${target}`);
  const rows = tf.tensor2d(interpolationMatrix(h, k), [h, k]);
  const colsT = tf.tidy(() => tf.tensor2d(interpolationMatrix(w, k), [w, k]).transpose() as tf.Tensor2D);
  const baseX = tf.tidy(() => tf.tile(tf.range(0, w, 1, 'float32').reshape([1, w]), [h, 1]) as tf.Tensor2D);
  const baseY = tf.tidy(() => tf.tile(tf.range(0, h, 1, 'float32').reshape([h, 1]), [1, w]) as tf.Tensor2D);
  const init = tf.randomNormal([2, k, k], 0, 0.1, 'float32', rng.seed());
  const param = tf.variable(init, true);
  init.dispose();
  const optimizer = tf.train.adam(o.lr, 0.5, 0.9);
  const checkCount = Math.min(n, o.checkImages);
  const check = images.slice(0, checkCount);

  /** The field in pixels: [dx, dy], each H x W. */
  const field = (): [tf.Tensor2D, tf.Tensor2D] => {
    const bounded = tf.mul(tf.tanh(param), o.maxShiftPx);
    const upsample = (i: number) => tf.matMul(tf.matMul(rows, bounded.slice([i, 0, 0], [1, k, k]).reshape([k, k])), colsT) as tf.Tensor2D;
    return [upsample(0), upsample(1)];
  };
  const currentCorners = (): { corners: Corners; dx: Float32Array; dy: Float32Array } => {
    const [dxT, dyT] = tf.tidy(field);
    const dx = Float32Array.from(dxT.dataSync() as Float32Array);
    const dy = Float32Array.from(dyT.dataSync() as Float32Array);
    tf.dispose([dxT, dyT]);
    return { corners: cornersOf(dx, dy, h, w), dx, dy };
  };
  const warped = (x: tf.Tensor4D, corners: Corners): tf.Tensor4D => {
    const [dx, dy] = field();
    const fx = tf.sub(tf.clipByValue(tf.add(baseX, dx), 0, w - 1), corners.x0);
    const fy = tf.sub(tf.clipByValue(tf.add(baseY, dy), 0, h - 1), corners.y0);
    const gx = tf.sub(1, fx);
    const gy = tf.sub(1, fy);
    const weights = [tf.mul(gx, gy), tf.mul(fx, gy), tf.mul(gx, fy), tf.mul(fx, fy)];
    const flat = x.reshape([x.shape[0], h * w, c]);
    let sum: tf.Tensor | null = null;
    for (let q = 0; q < 4; q++) {
      const term = tf.mul(tf.gather(flat, corners.indices[q], 1), weights[q].reshape([1, h * w, 1]));
      sum = sum === null ? term : tf.add(sum, term);
    }
    return (sum as tf.Tensor).reshape([x.shape[0], h, w, c]) as tf.Tensor4D;
  };

  let best: WarpTrigger = { class: target, flipRate: 0, meanShiftPx: 0, maxShiftPx: 0, field: { dx: new Float32Array(h * w), dy: new Float32Array(h * w) } };
  try {
    for (let round = 0; round < o.rounds; round++) {
      throwIfAborted(o.signal);
      for (let s = 0; s < o.stepsPerRound; s++) {
        const idx = tf.tensor1d(Int32Array.from({ length: Math.min(o.batchSize, n) }, () => rng.int(n)), 'int32');
        const { corners } = currentCorners();
        try {
          optimizer.minimize(() => {
            const x = warped(tf.gather(images, idx) as tf.Tensor4D, corners);
            const out = logits.apply(unitToModelInput(x, o.scaling)) as tf.Tensor;
            return tf.neg(tf.mean(tf.logSoftmax(out).slice([0, target], [-1, 1]))) as tf.Scalar;
          }, false, [param]);
        } finally {
          disposeCorners(corners);
          idx.dispose();
        }
      }
      const { corners, dx, dy } = currentCorners();
      const hits = tf.tidy(() => tf.mean(tf.cast(tf.equal((logits.apply(unitToModelInput(warped(check, corners), o.scaling)) as tf.Tensor).argMax(-1), target), 'float32')));
      const flip = (hits.dataSync() as Float32Array)[0];
      tf.dispose(hits);
      disposeCorners(corners);
      if (flip > best.flipRate) {
        let sumShift = 0;
        let maxShift = 0;
        for (let p = 0; p < dx.length; p++) {
          const shift = Math.hypot(dx[p], dy[p]);
          sumShift += shift;
          maxShift = Math.max(maxShift, shift);
        }
        best = { class: target, flipRate: flip, meanShiftPx: sumShift / dx.length, maxShiftPx: maxShift, field: { dx, dy } };
      }
      await new Promise((resolve) => setImmediate(resolve));
    }
  } finally {
    tf.dispose([rows, colsT, baseX, baseY, param, check]);
    optimizer.dispose();
  }
  return best;
}
