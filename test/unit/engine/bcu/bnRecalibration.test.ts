import * as assert from 'assert';
import * as tf from '@tensorflow/tfjs';
import { recalibrateBatchNorm, batchNormLayers } from '../../../../src/engine/bcu/bnRecalibration';
import { memorySource } from '../../../../src/engine/data';
import { distill } from '../../../../src/engine/bcu/distill';
import { Rng } from '../../../../src/engine/random';
import { cloneModel } from '../../../../src/engine/bcu/reinit';

function bnModel(seed: number): tf.LayersModel {
  return tf.sequential({
    layers: [
      tf.layers.conv2d({ inputShape: [8, 8, 1], filters: 4, kernelSize: 3, activation: 'relu', kernelInitializer: tf.initializers.heNormal({ seed }) }),
      tf.layers.batchNormalization(),
      tf.layers.flatten(),
      tf.layers.dense({ units: 3, kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 1 }) }),
    ],
  });
}

function images(count: number, seed: number, bright: number) {
  const rng = new Rng(seed);
  const pixels = new Uint8Array(count * 64).map(() => Math.min(255, rng.int(256 - bright) + bright));
  return memorySource(pixels, null, { height: 8, width: 8, channels: 1 }, count);
}

/** Mean and (biased) variance per channel of the BatchNorm layer's input over all images. */
function inputMoments(model: tf.LayersModel, pixels: tf.Tensor4D): { mean: number[]; variance: number[] } {
  const bn = batchNormLayers(model)[0];
  const probe = tf.model({ inputs: model.inputs, outputs: bn.input as tf.SymbolicTensor });
  return tf.tidy(() => {
    const { mean, variance } = tf.moments(probe.predict(tf.div(pixels, 255)) as tf.Tensor, [0, 1, 2]);
    return { mean: Array.from(mean.dataSync()), variance: Array.from(variance.dataSync()) };
  });
}

const moving = (model: tf.LayersModel) => batchNormLayers(model)[0].getWeights().slice(2).map((w) => Array.from(w.dataSync()));

describe('BatchNorm recalibration after distillation', () => {
  before(async () => {
    await tf.setBackend('cpu');
  });

  it('distillation leaves stale moving statistics; recalibration sets them to the clean images\' statistics', async () => {
    const teacher = bnModel(1);
    // The teacher's statistics come from other (darker) images than the user's.
    const dark = images(64, 3, 0);
    for await (const b of dark.batches(64)) {
      tf.tidy(() => { teacher.apply(tf.div(b.x, 255), { training: true }); });
      b.x.dispose();
    }
    const student = await cloneModel(teacher);
    const clean = images(64, 5, 120);
    await distill(teacher, student, clean, {
      epochs: 2, batchSize: 32, microBatch: 32, lr: 0.01, lrSchedule: 'constant', momentum: 0.9, weightDecay: 0,
      temperatureStart: 1, temperatureEnd: 1, temperatureSquared: false, augment: { padding: 0, flip: false },
      scaling: { mode: 'unit' }, seed: 1,
    }, () => undefined);
    let pixels: tf.Tensor4D | null = null;
    for await (const b of clean.batches(64)) pixels = b.x;
    const want = inputMoments(student, pixels!);
    const [staleMean] = moving(student);
    const gap = (a: number[], b: number[]) => Math.max(...a.map((v, k) => Math.abs(v - b[k])));
    // Keras momentum 0.99 over 4 steps: the moving mean is still mostly the teacher's.
    assert.ok(gap(staleMean, want.mean) > 0.05, `stale gap ${gap(staleMean, want.mean)}`);

    const before = tf.memory().numTensors;
    const record = await recalibrateBatchNorm(student, clean, { scaling: { mode: 'unit' }, images: 64, batchSize: 64 });
    assert.strictEqual(tf.memory().numTensors, before, 'no tensors leaked');
    assert.ok(record && record.layers === 1 && record.images === 64 && record.meanShift > 0);
    const [mean, variance] = moving(student);
    assert.ok(gap(mean, want.mean) < 1e-4, `mean gap ${gap(mean, want.mean)}`);
    assert.ok(gap(variance, want.variance) < 1e-3, `variance gap ${gap(variance, want.variance)}`);
    tf.dispose([pixels!]);
    teacher.dispose();
    student.dispose();
  });

  it('does nothing to a model without BatchNorm', async () => {
    const model = tf.sequential({ layers: [tf.layers.flatten({ inputShape: [8, 8, 1] }), tf.layers.dense({ units: 2 })] });
    assert.strictEqual(await recalibrateBatchNorm(model, images(8, 1, 0), { scaling: { mode: 'unit' }, images: 8, batchSize: 8 }), null);
    model.dispose();
  });
});
