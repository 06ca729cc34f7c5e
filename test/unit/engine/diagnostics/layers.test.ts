/**
 * Per-layer diagnostics on tiny constructed models where the answer is known: a planted
 * Lipschitz outlier channel, a BatchNorm layer with shifted stored statistics, and dead channels.
 */
import * as assert from 'assert';
import * as tf from '@tensorflow/tfjs';
import { memorySource } from '../../../../src/engine/data';
import { activationStats } from '../../../../src/engine/diagnostics/activationStats';
import { batchNormDivergence, symmetricGaussianKl } from '../../../../src/engine/diagnostics/bnDivergence';
import { layerLipschitz } from '../../../../src/engine/diagnostics/lipschitzLayer';
import { layerWarning } from '../../../../src/engine/diagnostics/rules';
import { Rng } from '../../../../src/engine/random';
import { DIAGNOSTIC_EXPLANATIONS, DIAGNOSTIC_THRESHOLDS } from '../../../../src/shared/diagnosticsText';

const unit = { scaling: { mode: 'unit' as const }, batchSize: 16 };

function randomSource(count: number, h: number, w: number, c: number, seed = 3) {
  const rng = new Rng(seed);
  const pixels = new Uint8Array(count * h * w * c).map(() => rng.int(256));
  return { pixels, source: memorySource(pixels, null, { height: h, width: w, channels: c }, count) };
}

describe('layer diagnostics', () => {
  before(async () => {
    await tf.setBackend('cpu');
  });

  it('symmetric KL of normals: 0 for equal ones, known values otherwise', () => {
    assert.strictEqual(symmetricGaussianKl(1, 2, 1, 2), 0);
    // equal variances v, means d apart: d^2 / v
    assert.ok(Math.abs(symmetricGaussianKl(0, 4, 3, 4) - 9 / 4) < 1e-12);
    // equal means, variances 1 and 2: (1/2 + 2 - 2) / 2 = 0.25
    assert.ok(Math.abs(symmetricGaussianKl(0, 1, 0, 2) - 0.25) < 1e-12);
  });

  it('flags a convolution with a planted large-Lipschitz channel, naming the channel', () => {
    const input = tf.input({ shape: [6, 6, 2] });
    const conv = tf.layers.conv2d({ filters: 16, kernelSize: 3, name: 'conv', kernelInitializer: tf.initializers.randomNormal({ stddev: 0.1, seed: 1 }) });
    const model = tf.model({ inputs: input, outputs: tf.layers.flatten().apply(conv.apply(input)) as tf.SymbolicTensor });
    const before = layerLipschitz(model).get('conv')!;
    assert.strictEqual(layerWarning({ lipschitzZ: before.lipschitzZ, lipschitzChannel: before.channel }), null);
    const [kernel, bias] = conv.getWeights();
    const k = kernel.arraySync() as number[][][][];
    for (const row of k) for (const col of row) for (const ch of col) ch[11] *= 30;
    conv.setWeights([tf.tensor4d(k), bias]);
    const after = layerLipschitz(model).get('conv')!;
    assert.strictEqual(after.channel, 11);
    assert.ok(after.lipschitzZ > DIAGNOSTIC_THRESHOLDS.lipschitzZ, `z ${after.lipschitzZ}`);
    assert.ok(after.lipschitzMax > before.lipschitzMax * 5);
    assert.match(layerWarning({ lipschitzZ: after.lipschitzZ, lipschitzChannel: after.channel }) ?? '', /channel 11's Lipschitz bound/);
    model.dispose();
  });

  it('BatchNorm divergence: ~0 when stored statistics match the images, flagged when shifted by 3 std', async () => {
    const input = tf.input({ shape: [5, 5, 2] });
    const conv = tf.layers.conv2d({ filters: 3, kernelSize: 3, name: 'conv', kernelInitializer: tf.initializers.randomNormal({ stddev: 0.5, seed: 2 }) });
    const bn = tf.layers.batchNormalization({ name: 'bn' });
    const out = tf.layers.dense({ units: 2, activation: 'softmax' }).apply(tf.layers.flatten().apply(bn.apply(conv.apply(input)))) as tf.SymbolicTensor;
    const model = tf.model({ inputs: input, outputs: out });
    const { pixels, source } = randomSource(40, 5, 5, 2);
    // Observed statistics of the BN input, computed directly (population variance).
    const features = tf.tidy(() => conv.apply(tf.div(tf.tensor4d(pixels, [40, 5, 5, 2], 'float32'), 255)) as tf.Tensor);
    const { mean, variance } = tf.moments(features.reshape([-1, 3]), 0);
    const mu = Array.from(mean.dataSync());
    const v = Array.from(variance.dataSync());
    tf.dispose([features, mean, variance]);
    const [gamma, beta] = bn.getWeights();
    const eps = bn.getConfig().epsilon as number;
    bn.setWeights([gamma, beta, tf.tensor1d(mu), tf.tensor1d(v)]);
    const matched = await batchNormDivergence(model, source, unit);
    assert.strictEqual(matched[0].layer, 'bn');
    assert.ok(matched[0].divergence < 1e-3, `matched ${matched[0].divergence}`);
    assert.strictEqual(layerWarning({ bnDivergence: matched[0].divergence }), null);
    // Stored means 3 std away: the symmetric KL is 3^2 = 9 for every channel.
    bn.setWeights([gamma, beta, tf.tensor1d(mu.map((m, c) => m + 3 * Math.sqrt(v[c] + eps))), tf.tensor1d(v)]);
    const shifted = await batchNormDivergence(model, source, unit);
    assert.ok(Math.abs(shifted[0].divergence - 9) < 0.05, `shifted ${shifted[0].divergence}`);
    assert.match(layerWarning({ bnDivergence: shifted[0].divergence }) ?? '', /differ from training statistics/);
    model.dispose();
  });

  it('activation statistics: mean, max and dead channels of a constructed layer', async () => {
    const input = tf.input({ shape: [4, 4, 1] });
    const conv = tf.layers.conv2d({ filters: 4, kernelSize: 1, name: 'conv' });
    const relu = tf.layers.reLU({ name: 'relu' });
    const out = tf.layers.dense({ units: 2 }).apply(tf.layers.flatten().apply(relu.apply(conv.apply(input)))) as tf.SymbolicTensor;
    const model = tf.model({ inputs: input, outputs: out });
    // Channels: x, -x, 2x, -0.5x; after ReLU channels 1 and 3 never fire on non-negative images.
    conv.setWeights([tf.tensor4d([1, -1, 2, -0.5], [1, 1, 1, 4]), tf.zeros([4])]);
    const { pixels, source } = randomSource(30, 4, 4, 1, 5);
    const tensorsBefore = tf.memory().numTensors;
    const stats = await activationStats(model, source, unit);
    assert.strictEqual(tf.memory().numTensors, tensorsBefore, 'no tensor left behind');
    // The output layer is left out (class scores), and flatten has no channels to summarize.
    assert.deepStrictEqual(stats.map((s) => s.layer), ['conv', 'relu']);
    const meanX = pixels.reduce((a, b) => a + b, 0) / pixels.length / 255;
    const maxX = Math.max(...pixels) / 255;
    const r = stats.find((s) => s.layer === 'relu')!;
    assert.deepStrictEqual(r.deadChannels, [1, 3]);
    assert.strictEqual(r.deadShare, 0.5);
    assert.ok(Math.abs(r.activationMean - 0.75 * meanX) < 1e-5, `${r.activationMean} vs ${0.75 * meanX}`);
    assert.ok(Math.abs(r.activationMax - 2 * maxX) < 1e-5);
    const c = stats.find((s) => s.layer === 'conv')!;
    assert.deepStrictEqual(c.deadChannels, [1, 3]);
    assert.ok(Math.abs(c.activationMean - 0.375 * meanX) < 1e-5);
    // More than half dead raises the warning.
    assert.strictEqual(layerWarning({ deadShare: 0.5 }), null);
    assert.match(layerWarning({ deadShare: 0.75 }) ?? '', /75 % of channels never fire/);
    model.dispose();
  });

  it('every warned figure has a shared explanation', () => {
    for (const key of ['lipschitzMax', 'lipschitzZ', 'bnDivergence', 'activationMean', 'activationMax', 'deadShare', 'anomalyIndex', 'maskL1', 'flipRate']) {
      assert.ok((DIAGNOSTIC_EXPLANATIONS[key] ?? '').length > 20, key);
    }
  });
});
