/**
 * The FusedBatchNorm gradient registered by registerTrainingGradients (broadcasting instead of
 * tiling) must give bitwise the same gradients as tfjs-core's own, on CPU and WASM: it is only
 * registered because it is identical (max |difference| must be exactly 0).
 */
import * as assert from 'assert';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../../../src/engine/backend';
import { batchNormGradConfig } from '../../../../src/engine/kernels/batchNormGrad';
import { registerTrainingGradients, shippedBatchNormGradientConfig } from '../../../../src/engine/kernels/register';

type GradOf = (inputs: tf.Tensor[]) => tf.Tensor[];

function values(seed: number, shape: number[], offset = 0): tf.Tensor {
  const size = shape.reduce((p, d) => p * d, 1);
  return tf.tensor(Float32Array.from({ length: size }, (_, i) => Math.sin(seed * 1000 + i * 0.7) * 3 + offset), shape);
}

/** Gradients of a scalar loss with `config` registered as FusedBatchNorm's gradient. */
function gradientsWith(config: tf.GradConfig, grad: GradOf, inputs: tf.Tensor[]): Float32Array[] {
  tf.registerGradient(config);
  return tf.tidy(() => grad(inputs).map((g) => g.dataSync() as Float32Array));
}

const cases: Array<{ name: string; inputs: () => tf.Tensor[]; grad: GradOf }> = [
  {
    name: 'per-channel statistics as inputs (x, mean, variance, scale, offset)',
    inputs: () => [values(1, [4, 6, 5, 8]), values(2, [8]), values(3, [8], 4), values(4, [8]), values(5, [8])],
    grad: (inputs) => tf.grads((x, m, v, s, o) =>
      tf.batchNorm(x as tf.Tensor4D, m, v, o, s, 1e-3).mul(values(6, [4, 6, 5, 8])).sum())(inputs),
  },
  {
    name: 'training mode: statistics from tf.moments of x, as tfjs-layers does',
    inputs: () => [values(7, [3, 7, 7, 16]), values(8, [16]), values(9, [16])],
    grad: (inputs) => tf.grads((x, s, o) => {
      const { mean, variance } = tf.moments(x, [0, 1, 2]);
      return tf.batchNorm(x as tf.Tensor4D, mean, variance, o, s, 1e-3).relu().square().sum();
    })(inputs),
  },
  {
    // (Without scale or offset tfjs-core 4.22 cannot differentiate batchNorm at all: the tape
    // trips over the undefined input, whatever the gradient function.)
    name: '2-D input (Dense + BatchNormalization)',
    inputs: () => [values(10, [32, 12]), values(11, [12]), values(12, [12], 4), values(13, [12]), values(20, [12])],
    grad: (inputs) => tf.grads((x, m, v, s, o) =>
      tf.batchNorm(x as tf.Tensor2D, m, v, o, s).mul(values(14, [32, 12])).sum())(inputs),
  },
  {
    // tfjs-core only reduces rank-1 statistics: other ranks must match x's shape.
    name: 'full-shape statistics (no reduction)',
    inputs: () => [values(15, [2, 3, 3, 4]), values(16, [2, 3, 3, 4]), values(17, [2, 3, 3, 4], 4), values(18, [2, 3, 3, 4]), values(21, [2, 3, 3, 4])],
    grad: (inputs) => tf.grads((x, m, v, s, o) =>
      tf.batchNorm(x as tf.Tensor4D, m, v, o, s, 1e-3).mul(values(19, [2, 3, 3, 4])).sum())(inputs),
  },
];

describe('FusedBatchNorm gradient without tiling', function () {
  this.timeout(60_000);

  before(async () => {
    await initBackend('wasm');
    registerTrainingGradients();
  });

  after(() => {
    tf.registerGradient(batchNormGradConfig); // whatever ran last, leave ours registered
  });

  it('tfjs-core\'s own gradient was kept for comparison and ours is the one registered', () => {
    const shipped = shippedBatchNormGradientConfig();
    assert.ok(shipped && shipped !== batchNormGradConfig);
    assert.strictEqual(tf.getGradient(tf.FusedBatchNorm), batchNormGradConfig);
  });

  for (const backendName of ['cpu', 'wasm']) {
    for (const c of cases) {
      it(`is bitwise identical on ${backendName}: ${c.name}`, async () => {
        await tf.setBackend(backendName);
        const inputs = c.inputs();
        const before = tf.memory().numTensors;
        const reference = gradientsWith(shippedBatchNormGradientConfig()!, c.grad, inputs);
        const ours = gradientsWith(batchNormGradConfig, c.grad, inputs);
        assert.strictEqual(tf.memory().numTensors, before, 'leaked tensors');
        tf.dispose(inputs);
        assert.strictEqual(ours.length, reference.length);
        ours.forEach((g, i) => {
          assert.strictEqual(g.length, reference[i].length);
          const firstDiff = g.findIndex((v, j) => !Object.is(v, reference[i][j]));
          assert.strictEqual(firstDiff, -1, `gradient ${i} differs at ${firstDiff}: ${g[firstDiff]} vs ${reference[i][firstDiff]}`);
        });
      });
    }
  }
});
