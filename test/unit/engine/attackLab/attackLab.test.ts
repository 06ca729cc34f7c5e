import * as assert from 'assert';
import * as tf from '@tensorflow/tfjs';
import { ARCHITECTURES, buildArchitecture } from '../../../../src/engine/attackLab/architectures';
import { memorySource } from '../../../../src/engine/data';
import { evaluateModel } from '../../../../src/engine/evaluate';
import { planPoisoning, poisonBatch } from '../../../../src/engine/attackLab/poison';
import { Rng } from '../../../../src/engine/random';
import { trainSupervised } from '../../../../src/engine/attackLab/train';
import { parseTriggerSpec, prepareTrigger } from '../../../../src/engine/triggers';

describe('attack lab', () => {
  before(async () => {
    await tf.setBackend('cpu');
  });

  it('every architecture preset builds, maps images to class probabilities and names its classifier', () => {
    for (const name of ARCHITECTURES) {
      const model = buildArchitecture(name, { inputShape: [28, 28, 1], classes: 10, seed: 0 });
      const y = model.predict(tf.zeros([2, 28, 28, 1])) as tf.Tensor;
      assert.deepStrictEqual(y.shape, [2, 10], name);
      const sums = tf.sum(y, 1).dataSync();
      for (const s of sums) assert.ok(Math.abs(s - 1) < 1e-5, `${name} softmax output`);
      assert.strictEqual(model.layers[model.layers.length - 1].name, 'classifier');
      tf.dispose(y);
      model.dispose();
    }
  });

  it('dirty-label poisoning picks rate x N images from all classes; clean-label only target-class images', () => {
    const labels = Int32Array.from({ length: 1000 }, (_, i) => i % 10);
    const badnets = parseTriggerSpec({ type: 'badnets', target: 0 }, '/');
    const dirty = planPoisoning(labels, badnets, 0.1, 1);
    assert.strictEqual(dirty.poisoned, 100);
    assert.strictEqual(Array.from(dirty.role).filter((r) => r === 1).length, 100);
    const poisonedClasses = new Set(Array.from(dirty.role).flatMap((r, i) => (r === 1 ? [labels[i]] : [])));
    assert.ok(poisonedClasses.size > 5, 'drawn from many classes');
    const sig = parseTriggerSpec({ type: 'sig', target: 3 }, '/');
    const clean = planPoisoning(labels, sig, 0.8, 1);
    assert.strictEqual(clean.poisoned, 80);
    assert.ok(Array.from(clean.role).every((r, i) => r === 0 || labels[i] === 3), 'only target-class images');
    const wanet = parseTriggerSpec({ type: 'wanet', target: 0 }, '/');
    const warped = planPoisoning(labels, wanet, 0.1, 1);
    assert.strictEqual(Array.from(warped.role).filter((r) => r === 2).length, 200, 'cross ratio 2 noise-mode images');
    assert.strictEqual(planPoisoning(labels, badnets, 0.1, 1).role.join(), dirty.role.join(), 'seeded');
  });

  it('poisonBatch triggers and relabels exactly the planned images', async () => {
    const spec = parseTriggerSpec({ type: 'badnets', target: 0, size: 2 }, '/');
    const shape = { height: 6, width: 6, channels: 1 };
    const trigger = await prepareTrigger(spec, shape);
    const labels = Int32Array.from([1, 2, 3, 4]);
    const plan = { role: Uint8Array.from([0, 1, 0, 1]), poisoned: 2, noise: 0, description: '' };
    const x = tf.fill([4, 6, 6, 1], 128) as tf.Tensor4D;
    const out = poisonBatch({ x, labels, indices: Int32Array.from([0, 1, 2, 3]) }, labels, plan, spec, trigger, new Rng(1));
    assert.deepStrictEqual(Array.from(out.y), [1, 0, 3, 0]);
    const v = out.x.arraySync() as number[][][][];
    assert.strictEqual(v[0][5][5][0], 128);
    assert.notStrictEqual(v[1][5][5][0], 128);
    assert.strictEqual(v[1][0][0][0], 128);
    tf.dispose([x, out.x]);
  });

  it('supervised training with poisoning learns the task and the backdoor on a toy problem', async function () {
    // Class = brightness of the left half (dark 0 / bright 1); BadNets patch -> class 0.
    const n = 256;
    const rng = new Rng(3);
    const pixels = new Uint8Array(n * 64);
    const labels = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      labels[i] = rng.int(2);
      for (let p = 0; p < 64; p++) pixels[i * 64 + p] = (p % 8 < 4 ? (labels[i] ? 200 : 40) : 120) + rng.int(20);
    }
    const source = memorySource(pixels, labels, { height: 8, width: 8, channels: 1 }, n);
    const spec = parseTriggerSpec({ type: 'badnets', target: 0, size: 2 }, '/');
    const trigger = await prepareTrigger(spec, source.shape);
    const model = tf.sequential({ layers: [tf.layers.flatten({ inputShape: [8, 8, 1] }), tf.layers.dense({ units: 16, activation: 'relu' }), tf.layers.dense({ units: 2, activation: 'softmax' })] });
    const history = await trainSupervised(model, source, {
      epochs: 15, batchSize: 32, lr: 0.1, momentum: 0.9, weightDecay: 0, augment: { padding: 0, flip: false }, scaling: { mode: 'unit' }, seed: 1,
      poison: { plan: planPoisoning(labels, spec, 0.2, 1), spec, trigger },
    }, () => undefined);
    assert.ok(history[history.length - 1].trainAcc > 0.9, `train accuracy ${history[history.length - 1].trainAcc}`);
    const metrics = await evaluateModel(model, source, { scaling: { mode: 'unit' }, trigger });
    assert.ok((metrics.acc as number) > 0.9, `clean accuracy ${metrics.acc}`);
    assert.ok((metrics.asr as number) > 0.8, `the backdoor took: ASR ${metrics.asr}`);
    model.dispose();
  });
});
