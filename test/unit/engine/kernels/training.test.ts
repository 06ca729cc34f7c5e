/**
 * One training step per architecture style on WASM (every kernel training touches must exist
 * there), with the gradients compared to the CPU backend's:
 * max|wasm - cpu| / max(1, max|cpu|) <= 1e-4 per weight (measured with these weights: at most 1.6e-6).
 * Then SGD-momentum steps on WASM update the weights and leak no tensors.
 *
 * The weights are deterministic, not the layers' random initializers: the two backends round
 * differently, and a pre-activation within rounding of 0 (or two near-equal values in a max-pool
 * window) can then take the other side of the kink on one backend, which moves one element's
 * gradient by a whole |dy * x| (CI once saw 2.8e-4 from a random init). With fixed weights the
 * comparison is the same on every run.
 */
import * as assert from 'assert';
import * as tf from '@tensorflow/tfjs';
import { relativeError } from '../../../fixtures/relativeError';
import { initBackend } from '../../../../src/engine/backend';
import { smallCnn } from '../../../../bench/trainingStepBenchmark';

const TOLERANCE = 1e-4;
const BATCH = 4;

type Builder = () => tf.LayersModel;

const conv = (filters: number, kernelSize: number, strides = 1, extra: Record<string, unknown> = {}) =>
  tf.layers.conv2d({ filters, kernelSize, strides, padding: 'same', useBias: false, ...extra });
const bn = () => tf.layers.batchNormalization();
const relu = () => tf.layers.reLU();

const styles: Record<string, { inputShape: [number, number, number]; build: Builder }> = {
  'ResNet-style (Conv2D, BatchNormalization, Add, ReLU, GlobalAveragePooling2D, Dense)': {
    inputShape: [16, 16, 3],
    build: () => {
      const input = tf.input({ shape: [16, 16, 3] });
      let x = relu().apply(bn().apply(conv(8, 3).apply(input))) as tf.SymbolicTensor;
      const y = bn().apply(conv(8, 3).apply(relu().apply(bn().apply(conv(8, 3).apply(x))))) as tf.SymbolicTensor;
      x = relu().apply(tf.layers.add().apply([x, y])) as tf.SymbolicTensor;
      const down = bn().apply(conv(16, 3).apply(relu().apply(bn().apply(conv(16, 3, 2).apply(x))))) as tf.SymbolicTensor;
      const shortcut = bn().apply(conv(16, 1, 2).apply(x)) as tf.SymbolicTensor;
      x = relu().apply(tf.layers.add().apply([down, shortcut])) as tf.SymbolicTensor;
      x = tf.layers.maxPooling2d({ poolSize: 2 }).apply(x) as tf.SymbolicTensor;
      const logits = tf.layers.dense({ units: 10 }).apply(tf.layers.globalAveragePooling2d({}).apply(x)) as tf.SymbolicTensor;
      return tf.model({ inputs: input, outputs: logits });
    },
  },
  'VGG-style (Conv2D, BatchNormalization, MaxPool, Dense, Dropout)': {
    inputShape: [16, 16, 3],
    build: () => tf.sequential({
      layers: [
        conv(8, 3, 1, { inputShape: [16, 16, 3] }), bn(), relu(),
        conv(8, 3), bn(), relu(),
        tf.layers.maxPooling2d({ poolSize: 2 }),
        conv(16, 3, 1, { padding: 'valid', useBias: true }), bn(), relu(),
        tf.layers.maxPooling2d({ poolSize: 2 }),
        tf.layers.flatten(),
        tf.layers.dense({ units: 32, activation: 'relu' }),
        tf.layers.dropout({ rate: 0.3, seed: 7 }), // seeded: both backends drop the same units
        tf.layers.dense({ units: 10 }),
      ],
    }),
  },
  'MobileNet-style (DepthwiseConv2D, SeparableConv2D)': {
    inputShape: [16, 16, 3],
    build: () => tf.sequential({
      layers: [
        conv(8, 3, 2, { inputShape: [16, 16, 3] }), bn(), relu(),
        tf.layers.depthwiseConv2d({ kernelSize: 3, padding: 'same', useBias: false }), bn(), relu(),
        conv(16, 1), bn(), relu(),
        tf.layers.depthwiseConv2d({ kernelSize: 3, strides: 2, depthMultiplier: 2, padding: 'valid' }), bn(), relu(),
        tf.layers.separableConv2d({ filters: 24, kernelSize: 3, padding: 'same' }),
        tf.layers.globalAveragePooling2d({}),
        tf.layers.dense({ units: 10 }),
      ],
    }),
  },
  'small CNN (the benchmark model)': {
    inputShape: [28, 28, 1],
    build: () => smallCnn(),
  },
};

function pseudoRandom(size: number, seed: number, scale = 1): Float32Array {
  return Float32Array.from({ length: size }, (_, i) => Math.sin(seed * 7919 + i * 12.9898) * scale);
}


interface Setup { model: tf.LayersModel; vars: tf.Variable[]; x: tf.Tensor; labels: tf.Tensor }

/**
 * Fixed weights for a freshly built model: kernels get pseudo-random values at a He-like scale
 * (sqrt(3 / fan-in)); biases, BatchNorm scales, offsets and running statistics keep their
 * constant initial values.
 */
function deterministicWeights(model: tf.LayersModel): Float32Array[] {
  return model.weights.map((w, i) => {
    const value = model.getWeights()[i];
    const data = value.dataSync() as Float32Array;
    if (!/kernel$/.test(w.originalName)) return data;
    const fanIn = value.shape.slice(0, -1).reduce((p, d) => p * d, 1);
    return pseudoRandom(data.length, 100 + i, Math.sqrt(3 / fanIn));
  });
}

/** The model with the given (or deterministic) weights, and a batch, all created on the current backend. */
function setUp(build: Builder, inputShape: number[], weights: Float32Array[] | null): Setup {
  const model = build();
  const values = weights ?? deterministicWeights(model);
  model.setWeights(values.map((w, i) => tf.tensor(w, model.getWeights()[i].shape)));
  const x = tf.tensor(pseudoRandom(BATCH * inputShape.reduce((p, d) => p * d, 1), 1), [BATCH, ...inputShape]);
  const labels = tf.oneHot(tf.tensor1d([1, 3, 5, 7].slice(0, BATCH), 'int32'), 10);
  const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
  return { model, vars, x, labels };
}

function lossOf(s: Setup): tf.Scalar {
  const logits = s.model.apply(s.x, { training: true }) as tf.Tensor;
  return tf.losses.softmaxCrossEntropy(s.labels, logits) as tf.Scalar;
}

function gradients(s: Setup): { loss: number; grads: Float32Array[] } {
  return tf.tidy(() => {
    const { value, grads } = tf.variableGrads(() => lossOf(s), s.vars);
    return { loss: value.dataSync()[0], grads: s.vars.map((v) => grads[v.name].dataSync() as Float32Array) };
  });
}

function tearDown(s: Setup): void {
  s.model.dispose();
  tf.dispose([s.x, s.labels]);
}

describe('one training step per architecture on wasm matches cpu (relative error <= 1e-4)', function () {
  this.timeout(120_000);

  before(async () => {
    // Also registers the cpu Conv2DBackpropFilter replacement: the shipped one makes the cpu
    // reference ~20x slower (kernels.test.ts checks the replacement against it).
    await initBackend('wasm');
  });

  for (const [name, style] of Object.entries(styles)) {
    it(name, async () => {
      await tf.setBackend('cpu');
      const onCpu = setUp(style.build, style.inputShape, null);
      const weights = onCpu.model.getWeights().map((w) => w.dataSync() as Float32Array);
      const reference = gradients(onCpu);
      tearDown(onCpu);

      await tf.setBackend('wasm');
      const onWasm = setUp(style.build, style.inputShape, weights);
      const ours = gradients(onWasm);
      assert.ok(Math.abs(ours.loss - reference.loss) <= TOLERANCE * Math.max(1, Math.abs(reference.loss)),
        `loss ${ours.loss} vs ${reference.loss}`);
      ours.grads.forEach((g, i) => {
        const err = relativeError(g, reference.grads[i]);
        assert.ok(err <= TOLERANCE, `${onWasm.vars[i].name}: relative error ${err.toExponential(2)}`);
      });

      // SGD with momentum: the first step creates its slots; later steps must leak nothing.
      const optimizer = tf.train.momentum(0.01, 0.9);
      const before = onWasm.vars.map((v) => v.dataSync().slice());
      optimizer.minimize(() => lossOf(onWasm), false, onWasm.vars);
      const tensorsAfterFirstStep = tf.memory().numTensors;
      optimizer.minimize(() => lossOf(onWasm), false, onWasm.vars);
      assert.strictEqual(tf.memory().numTensors, tensorsAfterFirstStep, 'tensors leaked by a training step');
      const changed = onWasm.vars.filter((v, i) => relativeError(v.dataSync(), before[i]) > 0).length;
      assert.ok(changed > 0 && onWasm.vars.every((v) => v.dataSync().every(Number.isFinite)), 'weights updated and finite');
      optimizer.dispose();
      tearDown(onWasm);
    });
  }
});
