import * as assert from 'assert';
import * as tf from '@tensorflow/tfjs';
import { channelLipschitz, lipschitzOutliers, spectralNorm } from '../../../../src/engine/defenses/lipschitz';

describe('channel Lipschitz bounds (CLP)', () => {
  before(async () => {
    await tf.setBackend('cpu');
  });

  it('spectral norm of small matrices matches the known values', () => {
    assert.ok(Math.abs(spectralNorm([3, 0, 0, 4], 2, 2) - 4) < 1e-9);
    assert.ok(Math.abs(spectralNorm([1, 1, 1, 1], 2, 2) - 2) < 1e-9);
    // rank one u v^T has norm |u||v|
    assert.ok(Math.abs(spectralNorm([1, 2, 3, 2, 4, 6], 2, 3) - Math.sqrt(5) * Math.sqrt(14)) < 1e-9);
    assert.strictEqual(spectralNorm([0, 0, 0, 0], 2, 2), 0);
  });

  it('flags a planted channel with a large bound, with the BatchNorm scale folded in', () => {
    const input = tf.input({ shape: [6, 6, 2] });
    const conv = tf.layers.conv2d({ filters: 12, kernelSize: 3, name: 'conv', kernelInitializer: tf.initializers.randomNormal({ stddev: 0.1, seed: 1 }) });
    const bn = tf.layers.batchNormalization({ name: 'bn' });
    const y = bn.apply(conv.apply(input)) as tf.SymbolicTensor;
    const model = tf.model({ inputs: input, outputs: tf.layers.flatten().apply(y) as tf.SymbolicTensor });
    const [kernel, bias] = conv.getWeights();
    const k = kernel.arraySync() as number[][][][];
    for (const row of k) for (const col of row) for (const ch of col) ch[7] *= 25; // channel 7 made very sensitive
    conv.setWeights([tf.tensor4d(k), bias]);
    const [entry] = channelLipschitz(model);
    assert.strictEqual(entry.layer, 'conv');
    assert.strictEqual(entry.withBatchNorm, true);
    assert.strictEqual(entry.bounds.length, 12);
    assert.deepStrictEqual(lipschitzOutliers(entry, 3), [7]);
    assert.ok(entry.maxZ > 3);
    // Shrinking that channel's BatchNorm scale hides it again: the bound includes |gamma/sigma|.
    const [gamma, beta, mean, variance] = bn.getWeights();
    const g = gamma.arraySync() as number[];
    g[7] = 1 / 25;
    bn.setWeights([tf.tensor1d(g), beta, mean, variance]);
    assert.deepStrictEqual(lipschitzOutliers(channelLipschitz(model)[0], 3), []);
  });
});
