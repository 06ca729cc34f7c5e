import * as assert from 'assert';
import * as tf from '@tensorflow/tfjs';
import { memorySource } from '../../../../src/engine/data';
import { assessDataQuality, DATA_QUALITY_RULES, dataQualityVerdict, summarizeProbabilities } from '../../../../src/engine/diagnostics/dataQuality';
import { Rng } from '../../../../src/engine/random';

const SHAPE = { height: 8, width: 8, channels: 1 };

/** Class k (0..3) = a bright 4x4 quadrant k on a dark background, with a little noise. */
function quadrantImages(count: number, seed: number): { pixels: Uint8Array; labels: Int32Array } {
  const rng = new Rng(seed);
  const pixels = new Uint8Array(count * 64);
  const labels = new Int32Array(count);
  for (let n = 0; n < count; n++) {
    const k = rng.int(4);
    labels[n] = k;
    for (let y = 0; y < 8; y++) {
      for (let x = 0; x < 8; x++) {
        const inside = Math.floor(y / 4) * 2 + Math.floor(x / 4) === k;
        pixels[n * 64 + y * 8 + x] = (inside ? 200 : 20) + rng.int(30);
      }
    }
  }
  return { pixels, labels };
}

describe('safety checks: data quality', () => {
  let model: tf.LayersModel;
  before(async () => {
    await tf.setBackend('cpu');
    const { pixels, labels } = quadrantImages(400, 1);
    model = tf.sequential({
      layers: [tf.layers.flatten({ inputShape: [8, 8, 1] }), tf.layers.dense({ units: 4, activation: 'softmax', kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }) })],
    });
    model.compile({ optimizer: tf.train.adam(0.05), loss: 'categoricalCrossentropy' });
    const x = tf.tensor4d(Float32Array.from(pixels, (v) => v / 255), [400, 8, 8, 1]);
    const y = tf.oneHot(tf.tensor1d(labels, 'int32'), 4);
    await model.fit(x, y, { epochs: 30, batchSize: 50, verbose: 0 });
    tf.dispose([x, y]);
  });
  after(() => model.dispose());

  it('images like the training ones pass; uniform noise gets a warning; the check leaks no tensors', async () => {
    const inDist = quadrantImages(1200, 7);
    const before = tf.memory().numTensors;
    const ok = await assessDataQuality(model, memorySource(inDist.pixels, null, SHAPE, 1200), { limit: 300, scaling: { mode: 'unit' } });
    assert.strictEqual(ok.verdict, 'ok', ok.reasons.join(' '));
    assert.ok(ok.meanConfidence > DATA_QUALITY_RULES.minMeanConfidence);
    assert.strictEqual(ok.images, 1200);
    assert.strictEqual(ok.classShares.length, 4);
    assert.ok(Math.abs(ok.classShares.reduce((a, b) => a + b, 0) - 1) < 1e-9);
    assert.ok(ok.topClassShare < 0.4, 'balanced predictions on balanced classes');

    const rng = new Rng(3);
    const noise = new Uint8Array(1200 * 64).map(() => rng.int(256));
    const bad = await assessDataQuality(model, memorySource(noise, null, SHAPE, 1200), { limit: 300, scaling: { mode: 'unit' } });
    assert.strictEqual(bad.verdict, 'warn');
    assert.ok(bad.reasons.length >= 1);
    assert.strictEqual(tf.memory().numTensors, before);
  });

  it('too few images is a reason of its own, whatever the predictions', async () => {
    const few = quadrantImages(100, 9);
    const q = await assessDataQuality(model, memorySource(few.pixels, null, SHAPE, 100), { scaling: { mode: 'unit' } });
    assert.strictEqual(q.verdict, 'warn');
    assert.strictEqual(q.reasons.length, 1);
    assert.match(q.reasons[0], /Only 100 images/);
  });

  it('summarizes probabilities: confidence, normalized entropy (0 certain, 1 uniform), argmax', () => {
    const s = summarizeProbabilities([1, 0, 0, 0, 0.25, 0.25, 0.25, 0.25], 4);
    assert.deepStrictEqual(s.top1, [0, 0]);
    assert.ok(Math.abs(s.confidenceSum - 1.25) < 1e-12);
    assert.ok(Math.abs(s.entropySum - 1) < 1e-12);
  });

  it('the verdict applies each rule on its own', () => {
    const base = { images: 5000, meanConfidence: 0.9, meanEntropy: 0.1, classShares: [0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1] };
    assert.strictEqual(dataQualityVerdict(base).verdict, 'ok');
    assert.strictEqual(dataQualityVerdict({ ...base, meanConfidence: 0.5 }).reasons.length, 1);
    assert.strictEqual(dataQualityVerdict({ ...base, meanEntropy: 0.6 }).reasons.length, 1);
    const skew = dataQualityVerdict({ ...base, classShares: [0.05, 0.05, 0.05, 0.55, 0.05, 0.05, 0.05, 0.05, 0.05, 0.05] });
    assert.strictEqual(skew.topClassShare, 0.55);
    assert.match(skew.reasons[0], /class 3/);
  });
});
