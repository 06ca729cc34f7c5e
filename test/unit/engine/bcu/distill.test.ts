import * as assert from 'assert';
import * as tf from '@tensorflow/tfjs';
import { memorySource } from '../../../../src/engine/data';
import { distill, distillationLoss, mixPairs, type DistillOptions } from '../../../../src/engine/bcu/distill';
import { DivergedError } from '../../../../src/engine/errors';
import { logitsView } from '../../../../src/engine/training/logits';
import { Rng } from '../../../../src/engine/random';
import { cloneModel, reinitializeInPlace } from '../../../../src/engine/bcu/reinit';
import { planSchedule } from '../../../../src/engine/bcu/reinitSchedule';
import type { EngineEvent } from '../../../../src/shared/protocol';

function tinyModel(seed: number): tf.LayersModel {
  return tf.sequential({
    layers: [
      tf.layers.conv2d({ inputShape: [8, 8, 1], filters: 4, kernelSize: 3, activation: 'relu', kernelInitializer: tf.initializers.heNormal({ seed }) }),
      tf.layers.batchNormalization(),
      tf.layers.flatten(),
      tf.layers.dense({ units: 3, activation: 'softmax', kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 1 }) }),
    ],
  });
}

function unlabeledImages(count: number) {
  const rng = new Rng(11);
  const pixels = new Uint8Array(count * 64).map(() => rng.int(256));
  return memorySource(pixels, null, { height: 8, width: 8, channels: 1 }, count);
}

const options = (over: Partial<DistillOptions> = {}): DistillOptions => ({
  epochs: 4, batchSize: 16, microBatch: 16, lr: 0.05, lrSchedule: 'cosine', momentum: 0.9, weightDecay: 5e-4,
  temperatureStart: 1, temperatureEnd: 4, temperatureSquared: false, augment: { padding: 1, flip: false },
  scaling: { mode: 'unit' }, seed: 1, ...over,
});

describe('distillation', () => {
  before(async () => {
    await tf.setBackend('cpu');
  });

  it('the loss is KL(teacher || student) at temperature T, batch mean, optionally x T^2', () => {
    const t = tf.tensor2d([[2, 0, -1], [0.5, 0.5, 3]]);
    const s = tf.tensor2d([[1, 1, 0], [0, 2, 1]]);
    const T = 2;
    const manual = (() => {
      const pt = tf.softmax(tf.div(t, T)).arraySync() as number[][];
      const ps = tf.softmax(tf.div(s, T)).arraySync() as number[][];
      let kl = 0;
      pt.forEach((row, i) => row.forEach((p, k) => (kl += p * Math.log(p / ps[i][k]))));
      return kl / 2;
    })();
    assert.ok(Math.abs(distillationLoss(t, s, T, false).dataSync()[0] - manual) < 1e-6);
    assert.ok(Math.abs(distillationLoss(t, s, T, true).dataSync()[0] - manual * 4) < 1e-5);
    assert.ok(distillationLoss(t, t, T, false).dataSync()[0] < 1e-7, 'zero when the student equals the teacher');
    tf.dispose([t, s]);
  });

  it('trains the student towards the teacher without labels: loss falls, agreement rises, no tensor leaks', async () => {
    const teacher = tinyModel(1);
    const student = await cloneModel(teacher);
    reinitializeInPlace(student, planSchedule(student, undefined, '{"stem":0.9,"classifier":0.9}'), 3);
    const source = unlabeledImages(96);
    const events: EngineEvent[] = [];
    const tv = logitsView(teacher);
    const sv = logitsView(student);
    const counts: number[] = [];
    const records = await distill(tv.model, sv.model, source, { ...options({ epochs: 5 }), afterEpoch: async () => void counts.push(tf.memory().numTensors) }, (e) => events.push(e));
    sv.restore();
    assert.strictEqual(records.length, 5);
    assert.ok(records[4].loss < records[0].loss, `loss ${records[0].loss} -> ${records[4].loss}`);
    assert.ok(records[4].agreement >= records[0].agreement, `agreement ${records[0].agreement} -> ${records[4].agreement}`);
    assert.ok(counts.every((c) => c === counts[0]), `tensor count flat across epochs: ${counts.join(',')}`);
    assert.deepStrictEqual(records.map((r) => Number(r.temperature.toFixed(2))), [1.6, 2.2, 2.8, 3.4, 4]);
    assert.ok(events.some((e) => e.type === 'progress' && e.phase === 'distill' && e.steps === 6));
    assert.strictEqual(events.filter((e) => e.type === 'epoch').length, 5);
    teacher.dispose();
    student.dispose();
  });

  it('the same seed reproduces the student exactly, another seed differs', async () => {
    const run = async (over: Partial<DistillOptions>) => {
      const teacher = tinyModel(2);
      const student = await cloneModel(teacher);
      reinitializeInPlace(student, planSchedule(student, undefined, '{"stem":0.5,"classifier":0.5}'), 4);
      const sv = logitsView(student);
      await distill(logitsView(teacher).model, sv.model, unlabeledImages(48), options({ epochs: 2, ...over }), () => undefined);
      sv.restore();
      const w = student.getLayer(student.layers[3].name).getWeights()[0].dataSync().slice();
      teacher.dispose();
      student.dispose();
      return Array.from(w);
    };
    const a = await run({});
    const b = await run({});
    assert.deepStrictEqual(a, b);
    const c = await run({ seed: 2 });
    assert.notDeepStrictEqual(a, c);
  });

  it('recovery epochs: the last epochs see no perturbation (all of them: the same student as without one)', async () => {
    const run = async (over: Partial<DistillOptions>) => {
      const teacher = tinyModel(2);
      const student = await cloneModel(teacher);
      const sv = logitsView(student);
      await distill(logitsView(teacher).model, sv.model, unlabeledImages(48), options({ epochs: 2, ...over }), () => undefined);
      sv.restore();
      const w = Array.from(student.layers[3].getWeights()[0].dataSync());
      teacher.dispose();
      student.dispose();
      return w;
    };
    const plain = await run({});
    const perturbed = await run({ consistency: { patch: 1, blend: 1 } });
    assert.notDeepStrictEqual(perturbed, plain);
    assert.deepStrictEqual(await run({ consistency: { patch: 1, blend: 1 }, recoveryEpochs: 2 }), plain);
  });

  it('mixup replaces a share of the images by a mix with another image of the batch', () => {
    const x = tf.tensor4d(Array.from({ length: 8 }, (_, i) => Array(4).fill(10 * i)).flat(), [8, 2, 2, 1]);
    const none = mixPairs(x, 0, new Rng(1));
    assert.deepStrictEqual(none.arraySync(), x.arraySync());
    const mixed = (mixPairs(x, 1, new Rng(1)).arraySync() as number[][][][]).map((img) => img[0][0][0]);
    const changed = mixed.filter((v, i) => Math.abs(v - 10 * i) > 1e-3).length;
    assert.ok(changed >= 6, `${changed} of 8 images mixed`);
    assert.ok(mixed.every((v) => v >= 0 && v <= 70), 'a convex mix of the batch');
    tf.dispose([x, none]);
  });

  it('stops with DivergedError naming the step when the loss is not finite', async () => {
    const teacher = tinyModel(1);
    const student = await cloneModel(teacher);
    await assert.rejects(
      distill(logitsView(teacher).model, logitsView(student).model, unlabeledImages(32), options({ lr: 1e30, epochs: 3 }), () => undefined),
      (e: Error) => e instanceof DivergedError && /loss became (NaN|Infinity|-Infinity) at epoch \d+, step \d+/.test(e.message),
    );
    teacher.dispose();
    student.dispose();
  });

  it('stops when the signal aborts', async () => {
    const teacher = tinyModel(1);
    const student = await cloneModel(teacher);
    const controller = new AbortController();
    let steps = 0;
    await assert.rejects(
      distill(logitsView(teacher).model, logitsView(student).model, unlabeledImages(64), options({ signal: controller.signal }), (e) => {
        if (e.type === 'progress' && ++steps === 2) controller.abort();
      }),
      /cancelled/,
    );
    assert.strictEqual(steps, 2);
    teacher.dispose();
    student.dispose();
  });
});
