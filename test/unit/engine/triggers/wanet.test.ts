import * as assert from 'assert';
import * as tf from '@tensorflow/tfjs';
import { InputError } from '../../../../src/engine/errors';
import { Rng } from '../../../../src/engine/random';
import { applyTrigger, prepareTrigger } from '../../../../src/engine/triggers';
import { upsampleBicubic } from '../../../../src/engine/triggers/bicubic';
import { resampleBilinear, samplingPlan } from '../../../../src/engine/triggers/gridSample';
import type { WanetSpec } from '../../../../src/engine/triggers/types';
import { applyWanetNoise, prepareWanet, type PreparedWanet } from '../../../../src/engine/triggers/wanet';

const wanet = (s: number, seed = 1, k = 4): WanetSpec => ({ type: 'wanet', target: 0, poisonLabel: 'dirty', k, s, seed, crossRatio: 2 });

/**
 * Images whose values are their own coordinates: channel 0 = column, channel 1 = row. Bilinear
 * sampling reproduces linear functions exactly, so the warped image reads back, per pixel, the
 * position it was sampled from: out - identity = the displacement in pixels.
 */
function coordinateImage(height: number, width: number): tf.Tensor4D {
  const v = new Float32Array(height * width * 2);
  for (let i = 0; i < height; i++) {
    for (let j = 0; j < width; j++) {
      v[(i * width + j) * 2] = j;
      v[(i * width + j) * 2 + 1] = i;
    }
  }
  return tf.tensor4d(v, [1, height, width, 2]);
}

/** Displacement (dx, dy) in pixels at every pixel, measured through the image. */
function measuredDisplacement(prepared: PreparedWanet): { dx: number[][]; dy: number[][] } {
  const { height, width } = prepared.shape;
  const x = coordinateImage(height, width);
  const out = applyTrigger(x, prepared);
  const values = out.arraySync()[0];
  tf.dispose([x, out]);
  const dx = values.map((row) => row.map((px, j) => px[0] - j));
  const dy = values.map((row, i) => row.map((px) => px[1] - i));
  return { dx, dy };
}

/** Keys cubic convolution weights (A = -0.75) at fraction t, as PyTorch's bicubic. */
function cubicWeights(t: number): number[] {
  const A = -0.75;
  const near = (u: number): number => (A + 2) * u ** 3 - (A + 3) * u ** 2 + 1;
  const far = (u: number): number => A * u ** 3 - 5 * A * u ** 2 + 8 * A * u - 4 * A;
  return [far(t + 1), near(t), near(1 - t), far(2 - t)];
}

/** Largest sum of |weights| (overshoot factor) and of |d weights / dt| over t in [0,1]. */
function cubicBounds(): { weightSum: number; slopeSum: number } {
  let weightSum = 0;
  let slopeSum = 0;
  const h = 1e-6;
  for (let t = 0; t <= 1; t += 1e-3) {
    const w = cubicWeights(t);
    const w2 = cubicWeights(t + h);
    weightSum = Math.max(weightSum, w.reduce((a, b) => a + Math.abs(b), 0));
    slopeSum = Math.max(slopeSum, w.reduce((a, b, k) => a + Math.abs((w2[k] - b) / h), 0));
  }
  return { weightSum, slopeSum };
}

const maxAbs = (m: number[][]): number => Math.max(...m.map((row) => Math.max(...row.map(Math.abs))));

describe('triggers: bicubic upsampling and bilinear grid sampling', () => {
  before(async () => {
    await tf.setBackend('cpu');
  });

  it('bicubic (align_corners) keeps the corner values and constant fields', () => {
    const field = [1, -2, 3, 0.5, 4, -1, 2, 2, -3];
    const up = upsampleBicubic(field, 3, 3, 7, 9);
    assert.ok(Math.abs(up[0] - 1) < 1e-12 && Math.abs(up[8] - 3) < 1e-12);
    assert.ok(Math.abs(up[6 * 9] - 2) < 1e-12 && Math.abs(up[7 * 9 - 1] + 3) < 1e-12);
    // Control points land on output pixels (0, 4, 8 across; 0, 3, 6 down) and are kept exactly.
    assert.ok(Math.abs(up[3 * 9 + 4] - 4) < 1e-12);
    const flat = upsampleBicubic([2.5, 2.5, 2.5, 2.5], 2, 2, 5, 6);
    for (const v of flat) assert.ok(Math.abs(v - 2.5) < 1e-12);
  });

  it('bilinear sampling matches hand-computed values, with zero padding outside', () => {
    // 2x2 image [[0, 10], [20, 30]]; normalized -1 = first pixel centre, +1 = last (align_corners).
    const x = tf.tensor4d([0, 10, 20, 30], [1, 2, 2, 1]);
    const inside = [
      0, 0, // centre: mean of the four = 15
      -1, -1, // top-left pixel = 0
      1, 1, // bottom-right pixel = 30
      0.5, -1, // 3/4 of the way along the top row = 7.5
    ];
    const out = resampleBilinear(x, samplingPlan(inside, 1, 2, 2));
    assert.deepStrictEqual(Array.from(out.dataSync()), [15, 0, 30, 7.5]);
    // Along the top row x = 1 is column 1, and each 0.5 beyond is half a column into zero padding.
    const outside = resampleBilinear(x, samplingPlan([3, -1, 2, -1, 1.5, -1, 1, -1], 1, 2, 2));
    // columns 2 and 3 (both missing) -> 0; column 1.5 -> half of 10; column 1.25 -> 3/4 of 10; column 1 -> 10.
    assert.deepStrictEqual(Array.from(outside.dataSync()), [0, 5, 7.5, 10]);
    tf.dispose([x, out, outside]);
  });

  it('samples each image of a batch with its own grid when given one grid per image', () => {
    const x = tf.tensor4d([0, 10, 20, 30, 100, 110, 120, 130], [2, 2, 2, 1]);
    const identity = [-1, -1, 1, -1, -1, 1, 1, 1];
    const swapped = [1, -1, -1, -1, 1, 1, -1, 1]; // columns mirrored
    const out = resampleBilinear(x, samplingPlan([...identity, ...swapped], 2, 2, 2));
    assert.deepStrictEqual(Array.from(out.dataSync()), [0, 10, 20, 30, 110, 100, 130, 120]);
    tf.dispose([x, out]);
  });
});

describe('triggers: WaNet (Nguyen & Tran 2021)', () => {
  before(async () => {
    await tf.setBackend('cpu');
  });

  it('is the identity (up to float error) when s = 0', async () => {
    const shape = { height: 12, width: 9, channels: 3 };
    const x = tf.randomUniform([2, 12, 9, 3], 0, 255, 'float32', 7) as tf.Tensor4D;
    const before = tf.memory().numTensors;
    const out = applyTrigger(x, await prepareTrigger(wanet(0), shape));
    assert.strictEqual(tf.memory().numTensors, before + 1);
    const diff = tf.max(tf.abs(out.sub(x))).dataSync()[0];
    assert.ok(diff < 1e-3, `max difference ${diff}`);
    tf.dispose([x, out]);
  });

  it('normalizes the k x k control grid to mean absolute value 1', () => {
    const prepared = prepareWanet(wanet(0.5, 3, 5), { height: 32, width: 32, channels: 3 });
    assert.strictEqual(prepared.controlPoints.length, 2 * 5 * 5);
    const mean = prepared.controlPoints.reduce((a, b) => a + Math.abs(b), 0) / prepared.controlPoints.length;
    assert.ok(Math.abs(mean - 1) < 1e-12);
  });

  it('moves pixels by at most s * max|control| * overshoot * (W-1)/(2H) pixels, and by a visible amount', () => {
    const shape = { height: 32, width: 32, channels: 2 };
    const prepared = prepareWanet(wanet(0.5), shape);
    const { dx, dy } = measuredDisplacement(prepared);
    const maxControl = Math.max(...Array.from(prepared.controlPoints, Math.abs));
    const { weightSum } = cubicBounds();
    // field <= max|control| * weightSum^2 (2-D cubic overshoot); grid offset = s/H * field;
    // one normalized unit is (W-1)/2 pixels.
    const bound = ((0.5 / 32) * maxControl * weightSum ** 2 * 31) / 2;
    const largest = Math.max(maxAbs(dx), maxAbs(dy));
    assert.ok(largest <= bound + 1e-4, `largest ${largest} > bound ${bound}`);
    assert.ok(largest > 0.1, `largest displacement ${largest} px: the warp should be visible in the grid`);
    assert.ok(largest < 2, 'WaNet warps are small: under 2 pixels at s=0.5 on 32x32');
  });

  it('reads back the displacement of its own grid (sampling matches the grid it stores)', () => {
    const shape = { height: 16, width: 20, channels: 2 };
    const prepared = prepareWanet(wanet(0.5, 4), shape);
    const { dx, dy } = measuredDisplacement(prepared);
    for (let i = 0; i < 16; i++) {
      for (let j = 0; j < 20; j++) {
        const p = i * 20 + j;
        const gx = ((prepared.grid[2 * p] + 1) / 2) * 19 - j;
        const gy = ((prepared.grid[2 * p + 1] + 1) / 2) * 15 - i;
        assert.ok(Math.abs(dx[i][j] - gx) < 1e-3 && Math.abs(dy[i][j] - gy) < 1e-3, `pixel (${i},${j})`);
      }
    }
  });

  it('is smooth: neighbouring displacements differ by at most the derived slope bound', () => {
    const H = 32;
    const W = 32;
    const k = 4;
    const s = 0.5;
    const prepared = prepareWanet(wanet(s, 2, k), { height: H, width: W, channels: 2 });
    const { dx, dy } = measuredDisplacement(prepared);
    const maxControl = Math.max(...Array.from(prepared.controlPoints, Math.abs));
    const { weightSum, slopeSum } = cubicBounds();
    // d(field)/d(pixel) <= max|control| * weightSum * slopeSum * (k-1)/(W-1); to pixels: * s/H * (W-1)/2.
    const slope = ((maxControl * weightSum * slopeSum * (k - 1)) / (W - 1)) * (s / H) * ((W - 1) / 2);
    const largest = Math.max(maxAbs(dx), maxAbs(dy));
    // Clamping at the border may cut displacements abruptly; look where no clamping can happen.
    const margin = Math.ceil(largest) + 1;
    let steepest = 0;
    for (let i = margin; i < H - margin; i++) {
      for (let j = margin; j < W - margin - 1; j++) {
        steepest = Math.max(steepest, Math.abs(dx[i][j + 1] - dx[i][j]), Math.abs(dy[i][j + 1] - dy[i][j]));
        steepest = Math.max(steepest, Math.abs(dx[j + 1][i] - dx[j][i]), Math.abs(dy[j + 1][i] - dy[j][i]));
      }
    }
    assert.ok(steepest <= slope + 1e-4, `steepest neighbour step ${steepest} > bound ${slope}`);
    assert.ok(steepest < largest, 'the field varies slowly compared with its size');
  });

  it('scales the displacement linearly with s (away from the clamped border)', () => {
    const shape = { height: 32, width: 32, channels: 2 };
    const half = measuredDisplacement(prepareWanet(wanet(0.5, 5), shape));
    const full = measuredDisplacement(prepareWanet(wanet(1, 5), shape));
    for (let i = 4; i < 28; i++) {
      for (let j = 4; j < 28; j++) {
        assert.ok(Math.abs(full.dx[i][j] - 2 * half.dx[i][j]) < 1e-3);
        assert.ok(Math.abs(full.dy[i][j] - 2 * half.dy[i][j]) < 1e-3);
      }
    }
  });

  it('is deterministic for a seed and different across seeds', () => {
    const shape = { height: 16, width: 16, channels: 3 };
    const a = prepareWanet(wanet(0.5, 11), shape);
    const b = prepareWanet(wanet(0.5, 11), shape);
    const c = prepareWanet(wanet(0.5, 12), shape);
    assert.deepStrictEqual(a.grid, b.grid);
    assert.notDeepStrictEqual(a.grid, c.grid);
    const x = tf.randomUniform([1, 16, 16, 3], 0, 255, 'float32', 3) as tf.Tensor4D;
    const [ya, yb, yc] = [a, b, c].map((t) => applyTrigger(x, t));
    assert.deepStrictEqual(ya.arraySync(), yb.arraySync());
    assert.notDeepStrictEqual(ya.arraySync(), yc.arraySync());
    tf.dispose([x, ya, yb, yc]);
  });

  it('keeps values within the range of the input (a convex resampling)', () => {
    const shape = { height: 16, width: 16, channels: 1 };
    const x = tf.randomUniform([2, 16, 16, 1], 30, 200, 'float32', 9) as tf.Tensor4D;
    const out = applyTrigger(x, prepareWanet(wanet(2, 1), shape));
    const lo = tf.min(x).dataSync()[0];
    const hi = tf.max(x).dataSync()[0];
    assert.ok(tf.min(out).dataSync()[0] >= lo - 1e-3 && tf.max(out).dataSync()[0] <= hi + 1e-3);
    tf.dispose([x, out]);
  });

  it('refuses a control grid larger than the image', () => {
    assert.throws(() => prepareWanet(wanet(0.5, 1, 9), { height: 8, width: 8, channels: 1 }), InputError);
  });

  it('noise mode adds a fresh per-image jitter of at most (W-1)/(2H) pixels, reproducible from the Rng', () => {
    const shape = { height: 16, width: 16, channels: 2 };
    const prepared = prepareWanet(wanet(0.5, 1), shape);
    const plain = measuredDisplacement(prepared);
    const coords = coordinateImage(16, 16);
    const batch = tf.concat([coords, coords]) as tf.Tensor4D;
    const before = tf.memory().numTensors;
    const noisy = applyWanetNoise(batch, prepared, new Rng(5));
    assert.strictEqual(tf.memory().numTensors, before + 1);
    const again = applyWanetNoise(batch, prepared, new Rng(5));
    assert.deepStrictEqual(noisy.arraySync(), again.arraySync());

    const values = noisy.arraySync();
    let largestJitter = 0;
    for (let i = 0; i < 16; i++) {
      for (let j = 0; j < 16; j++) {
        const jitter0 = values[0][i][j][0] - j - plain.dx[i][j];
        largestJitter = Math.max(largestJitter, Math.abs(jitter0), Math.abs(values[0][i][j][1] - i - plain.dy[i][j]));
      }
    }
    assert.ok(largestJitter <= 15 / 32 + 1e-3, `jitter ${largestJitter}`);
    assert.ok(largestJitter > 0.1, 'the noise is visible');
    assert.notDeepStrictEqual(values[0], values[1], 'each image gets its own noise');
    tf.dispose([coords, batch, noisy, again]);
  });
});
