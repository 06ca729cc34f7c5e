/**
 * The scan's warp check (src/engine/suspect/warpTrigger.ts): a constructed model that a half-pixel
 * shift sends to class 1 is flipped within a one-pixel budget and not within a tenth of a pixel;
 * the rule (isWarpSuspect) on the calibration figures of docs/diagnostics.md.
 */
import * as assert from 'assert';
import * as tf from '@tensorflow/tfjs';
import { interpolationMatrix, fitWarpTrigger } from '../../../../src/engine/suspect/warpTrigger';
import { isWarpSuspect } from '../../../../src/engine/suspect/suspectScan';
import { DIAGNOSTIC_THRESHOLDS } from '../../../../src/shared/diagnosticsText';

const SIZE = 8;
const EDGE = 4;

/** 8x8 images, bright in column 4 (with a little noise elsewhere); class 1's logit reads column 5: 10 x mean(column 5) - 3. */
function edgeModel(): tf.LayersModel {
  const model = tf.sequential({ layers: [tf.layers.flatten({ inputShape: [SIZE, SIZE, 1] }), tf.layers.dense({ units: 2 })] });
  const kernel = new Float32Array(SIZE * SIZE * 2);
  for (let r = 0; r < SIZE; r++) kernel[(r * SIZE + EDGE + 1) * 2 + 1] = 10 / SIZE;
  model.layers[1].setWeights([tf.tensor2d(kernel, [SIZE * SIZE, 2]), tf.tensor1d([0, -3])]);
  return model;
}

function edgeImages(n: number): tf.Tensor4D {
  const values = new Float32Array(n * SIZE * SIZE);
  for (let i = 0; i < n; i++) {
    for (let r = 0; r < SIZE; r++) {
      for (let c = 0; c < SIZE; c++) values[(i * SIZE + r) * SIZE + c] = c === EDGE ? 0.8 + 0.2 * ((i + r) % 3) / 2 : 0.05 * ((i * 7 + r * 3 + c) % 3);
    }
  }
  return tf.tensor4d(values, [n, SIZE, SIZE, 1]);
}

describe('warp check (one-pixel universal warp)', function () {
  this.timeout(60_000);
  before(async () => {
    await tf.setBackend('cpu');
  });

  it('interpolation matrix: rows sum to 1, the end points sit on the first and last control points', () => {
    const m = interpolationMatrix(28, 7);
    for (let i = 0; i < 28; i++) {
      const row = Array.from(m.slice(i * 7, i * 7 + 7));
      assert.ok(Math.abs(row.reduce((a, b) => a + b, 0) - 1) < 1e-6, `row ${i}: ${row}`);
    }
    assert.strictEqual(m[0], 1);
    assert.strictEqual(m[27 * 7 + 6], 1);
    // Row 9 of 28 lies at 9 * 6 / 27 = 2 control spacings: exactly control point 2.
    assert.ok(Math.abs(m[9 * 7 + 2] - 1) < 1e-6);
  });

  it('flips a model that a half-pixel shift sends to class 1 within one pixel, and not within a tenth of a pixel', async () => {
    const model = edgeModel();
    const images = edgeImages(32);
    const clean = tf.tidy(() => (model.predict(images) as tf.Tensor).argMax(-1).sum().dataSync()[0]);
    assert.strictEqual(clean, 0, 'no image is class 1 unwarped');
    const tensorsBefore = tf.memory().numTensors;
    const options = { scaling: { mode: 'unit' as const }, rounds: 4, stepsPerRound: 8, batchSize: 8, checkImages: 32 };
    const wide = await fitWarpTrigger(model, images, 1, { ...options, maxShiftPx: 1 });
    const narrow = await fitWarpTrigger(model, images, 1, { ...options, maxShiftPx: 0.1 });
    assert.strictEqual(tf.memory().numTensors, tensorsBefore, 'no tensor left behind');
    assert.ok(wide.flipRate >= 0.95, `one pixel: ${JSON.stringify(wide)}`);
    assert.ok(wide.maxShiftPx <= Math.SQRT2 + 1e-6, `bounded by one pixel per axis: ${wide.maxShiftPx}`);
    assert.strictEqual(narrow.flipRate, 0, `a tenth of a pixel: ${JSON.stringify(narrow)}`);
    images.dispose();
    model.dispose();
  });

  it('warp rule on the calibration figures: the WaNet target passes, no class of the clean and patch models does', () => {
    // bench/results/2026-12-07-warp-scan-calibration.json (npm run bench:warp-scan, calibration fixtures resnet-*-s0; the largest other class: resnet-sig-s0 class 3, 34.4 %).
    const wanetTarget = 1.0;
    const largestOther = 0.344;
    assert.ok(isWarpSuspect(wanetTarget));
    assert.ok(!isWarpSuspect(largestOther));
    assert.ok(DIAGNOSTIC_THRESHOLDS.suspectWarpFlip > largestOther && DIAGNOSTIC_THRESHOLDS.suspectWarpFlip < wanetTarget);
  });
});
