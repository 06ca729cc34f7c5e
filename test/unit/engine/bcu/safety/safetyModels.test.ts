import * as assert from 'assert';
import * as tf from '@tensorflow/tfjs';
import { memorySource } from '../../../../../src/engine/data';
import { distill } from '../../../../../src/engine/bcu/distill';
import { createEpochProbe } from '../../../../../src/engine/bcu/safety/epochProbe';
import { layerOutputChange } from '../../../../../src/engine/bcu/safety/layerOutputChange';
import { reactivationProbe } from '../../../../../src/engine/bcu/safety/reactivation';
import { Rng } from '../../../../../src/engine/random';
import { cloneModel } from '../../../../../src/engine/bcu/reinit';
import { BestEpochKeeper } from '../../../../../src/engine/bcu/safety/selection';
import { prepareTrigger } from '../../../../../src/engine/triggers';

const SHAPE = { height: 8, width: 8, channels: 1 };

function tinyModel(seed: number): tf.LayersModel {
  return tf.sequential({
    layers: [
      tf.layers.conv2d({ name: 'conv', inputShape: [8, 8, 1], filters: 4, kernelSize: 3, activation: 'relu', kernelInitializer: tf.initializers.heNormal({ seed }) }),
      tf.layers.batchNormalization({ name: 'bn' }),
      tf.layers.flatten({ name: 'flat' }),
      tf.layers.dense({ name: 'fc', units: 3, activation: 'softmax', kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 1 }) }),
    ],
  });
}

function images(count: number, labeled: boolean, seed = 11) {
  const rng = new Rng(seed);
  const pixels = new Uint8Array(count * 64).map(() => rng.int(256));
  const labels = labeled ? Int32Array.from({ length: count }, () => rng.int(3)) : null;
  return memorySource(pixels, labels, SHAPE, count);
}

describe('safety checks on models: output change, epoch probe, best-epoch keeper, re-activation probe', () => {
  before(async () => {
    await tf.setBackend('cpu');
  });

  it('layer output change is 0 for identical models and > 0 from the first changed layer on', async () => {
    const teacher = tinyModel(1);
    const same = await cloneModel(teacher);
    const source = images(64, false);
    const names = ['conv', 'bn', 'flat', 'fc'];
    let before = tf.memory().numTensors;
    const zero = await layerOutputChange(teacher, same, names, source, { scaling: { mode: 'unit' }, images: 40 });
    for (const n of names) assert.strictEqual(zero.get(n), 0, n);
    assert.strictEqual(tf.memory().numTensors, before, 'no tensors left behind');
    const changed = await cloneModel(teacher);
    const fc = changed.getLayer('fc');
    const shifted = fc.getWeights().map((w) => tf.add(w, 0.5));
    fc.setWeights(shifted);
    tf.dispose(shifted);
    before = tf.memory().numTensors;
    const moved = await layerOutputChange(teacher, changed, names, source, { scaling: { mode: 'unit' }, images: 40 });
    assert.strictEqual(moved.get('conv'), 0);
    assert.strictEqual(moved.get('flat'), 0);
    assert.ok((moved.get('fc') ?? 0) > 0);
    assert.strictEqual((await layerOutputChange(teacher, same, ['nope'], source, { scaling: { mode: 'unit' } })).get('nope'), null);
    assert.strictEqual(tf.memory().numTensors, before);
    [teacher, same, changed].forEach((m) => m.dispose());
  });

  it('the epoch probe agrees fully with the teacher itself, and the keeper restores a kept epoch', async () => {
    const teacher = tinyModel(1);
    const student = tinyModel(5);
    const probe = await createEpochProbe(teacher, images(50, false), { images: 30, scaling: { mode: 'unit' } });
    assert.strictEqual(probe.images, 30);
    const self = probe.read(teacher);
    assert.strictEqual(self.agreement, 1);
    assert.strictEqual(self.studentTopShare, self.teacherTopShare);
    const other = probe.read(student);
    assert.ok(other.agreement >= 0 && other.agreement <= 1);

    const keeper = new BestEpochKeeper();
    const original = student.getWeights().map((w) => w.arraySync());
    keeper.offer(student, 1, 1);
    keeper.offer(student, 2, 1); // epoch 2 is not the chosen one: nothing copied
    assert.strictEqual(keeper.epoch, 1);
    student.setWeights(teacher.getWeights());
    keeper.restoreInto(student);
    assert.deepStrictEqual(student.getWeights().map((w) => w.arraySync()), original);
    const count = tf.memory().numTensors;
    keeper.dispose();
    assert.strictEqual(tf.memory().numTensors, count - original.length);
    probe.dispose();
    teacher.dispose();
    student.dispose();
  });

  it('distillation ends early when stopAfter says so', async () => {
    const teacher = tinyModel(1);
    const student = tinyModel(3);
    const records = await distill(teacher, student, images(32, false), {
      epochs: 5, batchSize: 16, microBatch: 16, lr: 0.01, lrSchedule: 'cosine', momentum: 0.9, weightDecay: 0,
      temperatureStart: 1, temperatureEnd: 4, temperatureSquared: false, augment: { padding: 0, flip: false },
      scaling: { mode: 'unit' }, seed: 1, stopAfter: (r) => r.epoch === 2,
    }, () => undefined);
    assert.deepStrictEqual(records.map((r) => r.epoch), [1, 2]);
    teacher.dispose();
    student.dispose();
  });

  it('the re-activation probe returns one ASR in [0, 1] per step count for both models and leaves them unchanged', async () => {
    const attacked = tinyModel(1);
    const cleansed = tinyModel(7);
    const trigger = await prepareTrigger({ type: 'badnets', target: 0, size: 3, position: 'bottom-right' } as never, SHAPE);
    const weights = attacked.getWeights().map((w) => w.arraySync());
    const before = tf.memory().numTensors;
    const probe = await reactivationProbe(attacked, cleansed, images(120, true, 5), { trigger, scaling: { mode: 'unit' }, steps: [0, 2, 4], poisoned: 8, batchSize: 8, evalImages: 60 });
    assert.deepStrictEqual(probe.steps, [0, 2, 4]);
    assert.strictEqual(probe.attackedAsr.length, 3);
    assert.strictEqual(probe.cleansedAsr.length, 3);
    assert.strictEqual(probe.images, 16);
    for (const a of [...probe.attackedAsr, ...probe.cleansedAsr]) assert.ok(a >= 0 && a <= 1, String(a));
    assert.deepStrictEqual(attacked.getWeights().map((w) => w.arraySync()), weights);
    assert.strictEqual(tf.memory().numTensors, before);
    attacked.dispose();
    cleansed.dispose();
  });
});
