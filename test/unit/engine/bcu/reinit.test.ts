import * as assert from 'assert';
import * as tf from '@tensorflow/tfjs';
import { buildArchitecture } from '../../../../src/engine/attackLab/architectures';
import { cloneModel, reinitializeInPlace } from '../../../../src/engine/bcu/reinit';
import { planSchedule } from '../../../../src/engine/bcu/reinitSchedule';

function weightsOf(model: tf.LayersModel, layer: string): Float32Array[] {
  return model.getLayer(layer).getWeights().map((w) => w.dataSync() as Float32Array);
}

describe('layer-wise re-initialization', () => {
  before(async () => {
    await tf.setBackend('cpu');
  });

  it('replaces about p of each weighted layer, leaves BatchNorm untouched, keeps kept values exactly', async () => {
    const teacher = buildArchitecture('resnet', { inputShape: [16, 16, 1], classes: 10, seed: 1 });
    const student = await cloneModel(teacher);
    const ratios = '{"stem":0.2,"stage1":0.2,"stage2":0.3,"stage3":0.5,"classifier":0.4}';
    const plan = planSchedule(student, undefined, ratios);
    const before = tf.memory().numTensors;
    const result = reinitializeInPlace(student, plan, 7);
    assert.strictEqual(tf.memory().numTensors, before, 'no tensors leaked');
    for (const r of result) {
      const t = weightsOf(teacher, r.name);
      const s = weightsOf(student, r.name);
      if (r.kind === 'BatchNormalization') {
        s.forEach((w, i) => assert.deepStrictEqual(Array.from(w), Array.from(t[i]), `${r.name} BN untouched`));
        continue;
      }
      if (r.ratio === 0) continue;
      // Kernels only: a zero bias replaced by a fresh zero (zeros initializer) is invisible.
      const kernelT = t[0];
      const kernelS = s[0];
      let changed = 0;
      for (let k = 0; k < kernelS.length; k++) if (kernelS[k] !== kernelT[k]) changed++;
      const measured = changed / kernelS.length;
      if (kernelS.length > 2000) {
        assert.ok(Math.abs(measured - r.ratio) < 0.03, `${r.name}: ${measured} of the kernel changed, ratio ${r.ratio}`);
        assert.ok(Math.abs(r.fraction - r.ratio) < 0.03, `${r.name}: reported fraction ${r.fraction}, ratio ${r.ratio}`);
      }
      assert.ok(r.fraction > 0, `${r.name}: something was replaced`);
    }
    teacher.dispose();
    student.dispose();
  });

  it('is reproducible: the same seed gives the same student, another seed a different one', async () => {
    const teacher = buildArchitecture('small-cnn', { inputShape: [12, 12, 1], classes: 4, seed: 3 });
    const make = async (seed: number) => {
      const s = await cloneModel(teacher);
      reinitializeInPlace(s, planSchedule(s), seed);
      const w = weightsOf(s, 'fc1')[0].slice();
      s.dispose();
      return w;
    };
    const a = await make(5);
    const b = await make(5);
    const c = await make(6);
    assert.deepStrictEqual(Array.from(a), Array.from(b));
    assert.notDeepStrictEqual(Array.from(a), Array.from(c));
    teacher.dispose();
  });

  it('draws replacements from the layer\'s own initializer (he-normal scale for conv kernels)', async () => {
    const teacher = buildArchitecture('small-cnn', { inputShape: [12, 12, 1], classes: 4, seed: 3 });
    // Zero the teacher's fc1 kernel so every replaced value is visible and only fresh draws are non-zero.
    const fc1 = teacher.getLayer('fc1');
    const [kernel, bias] = fc1.getWeights();
    const zeros = tf.zerosLike(kernel);
    fc1.setWeights([zeros, bias]);
    zeros.dispose();
    const student = await cloneModel(teacher);
    reinitializeInPlace(student, planSchedule(student, undefined, '{"fc1":1}'), 1);
    const values = weightsOf(student, 'fc1')[0];
    const fanIn = kernel.shape[0];
    const std = Math.sqrt(Array.from(values).reduce((s, v) => s + v * v, 0) / values.length);
    // He-normal (truncated) has std sqrt(2/fanIn) before truncation (~0.88 of it after).
    assert.ok(std > 0.75 * Math.sqrt(2 / fanIn) && std < 1.1 * Math.sqrt(2 / fanIn), `std ${std} vs ${Math.sqrt(2 / fanIn)}`);
    teacher.dispose();
    student.dispose();
  });
});

describe('re-initialized values under --preset reference: PyTorch\'s draws', () => {
  before(async () => {
    await tf.setBackend('cpu');
  });

  it('conv kernels kaiming_normal fan_out, dense kernel and bias PyTorch Linear default', async () => {
    const { resolveSettings } = await import('../../../../src/engine/bcu/cleanseDefaults');
    const draw = resolveSettings({ model: 'm', data: 'd', out: 'o', preset: 'reference' }).reinitDraw;
    assert.strictEqual(draw, 'pytorch');
    const model = tf.sequential({
      layers: [
        tf.layers.conv2d({ inputShape: [8, 8, 16], filters: 32, kernelSize: 3, name: 'conv' }),
        tf.layers.flatten(),
        tf.layers.dense({ units: 10, name: 'fc' }),
      ],
    });
    reinitializeInPlace(model, planSchedule(model, undefined, '{"conv":1,"fc":1}'), 5, draw);
    const sd = (v: Float32Array) => {
      const m = v.reduce((a, b) => a + b, 0) / v.length;
      return Math.sqrt(v.reduce((a, b) => a + (b - m) ** 2, 0) / v.length);
    };
    const [convKernel] = weightsOf(model, 'conv');
    const want = Math.sqrt(2 / (3 * 3 * 32));
    assert.ok(Math.abs(sd(convKernel) / want - 1) < 0.05, `conv kernel sd ${sd(convKernel)} vs ${want}`);
    const [fcKernel, fcBias] = weightsOf(model, 'fc');
    const bound = 1 / Math.sqrt(6 * 6 * 32);
    for (const [name, w] of [['kernel', fcKernel], ['bias', fcBias]] as const) {
      const max = Math.max(...Array.from(w, Math.abs));
      assert.ok(max <= bound && max > 0.5 * bound, `fc ${name}: largest |value| ${max}, bound ${bound}`);
    }
    model.dispose();
  });
});
