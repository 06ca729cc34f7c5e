/**
 * Baseline defenses (src/engine/defenses): pruning touches exactly the channels reported, CLP
 * finds a planted outlier channel, FT lowers the training loss, NAD's attention loss behaves,
 * and labeled methods refuse unlabeled data. Tiny models on 8x8 images, CPU backend.
 */
import * as assert from 'assert';
import * as tf from '@tensorflow/tfjs';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { buildArchitecture } from '../../../../src/engine/attackLab/architectures';
import { memorySource } from '../../../../src/engine/data';
import type { ImageSource } from '../../../../src/engine/data/types';
import { channelMask } from '../../../../src/engine/defenses/channelMask';
import { channelLipschitzPrune } from '../../../../src/engine/defenses/clp';
import { finePrune, lastConvLayer, meanChannelActivation } from '../../../../src/engine/defenses/fp';
import { fineTune, type FineTuneSettings } from '../../../../src/engine/defenses/ft';
import { runDefend } from '../../../../src/engine/defenses';
import { attentionLoss, attentionMap, attentionPoints, neuralAttentionDistillation } from '../../../../src/engine/defenses/nad';
import { InputError } from '../../../../src/engine/errors';
import { saveModel } from '../../../../src/engine/modelIo';
import { Rng } from '../../../../src/engine/random';
import type { EngineEvent } from '../../../../src/shared/protocol';
import type { BackendInfo } from '../../../../src/shared/report';
import { idxBytes, pngFromPixels, TempDir } from '../../../fixtures/dataFixtures';

const SHAPE = { height: 8, width: 8, channels: 1 };
const BACKEND: BackendInfo = { name: 'cpu', threads: 1, reason: 'test' };
const quiet = (_e: EngineEvent) => undefined;

/** conv(4) -> conv(`filters`) [-> BN] -> ReLU -> global pool -> dense(3, softmax). */
function tinyModel(filters: number, withBatchNorm: boolean, seed = 1): tf.LayersModel {
  const input = tf.input({ shape: [8, 8, 1] });
  let x = tf.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', activation: 'relu', name: 'conv1', kernelInitializer: tf.initializers.heNormal({ seed }) }).apply(input) as tf.SymbolicTensor;
  x = tf.layers.conv2d({ filters, kernelSize: 3, padding: 'same', name: 'conv2', kernelInitializer: tf.initializers.heNormal({ seed: seed + 1 }), biasInitializer: tf.initializers.constant({ value: 0.05 }) }).apply(x) as tf.SymbolicTensor;
  if (withBatchNorm) x = tf.layers.batchNormalization({ name: 'bn2' }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.reLU({ name: 'relu2' }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.globalAveragePooling2d({ name: 'gap' }).apply(x) as tf.SymbolicTensor;
  const out = tf.layers.dense({ units: 3, activation: 'softmax', name: 'classifier', kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 2 }) }).apply(x) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: out });
}

/** Learnable toy task: class 0 a horizontal bright bar, 1 a vertical one, 2 none (noise only). */
function toyImages(count: number, seed: number): { pixels: Uint8Array; labels: Int32Array } {
  const rng = new Rng(seed);
  const pixels = new Uint8Array(count * 64);
  const labels = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    const label = i % 3;
    labels[i] = label;
    for (let p = 0; p < 64; p++) pixels[i * 64 + p] = rng.int(40);
    const line = 1 + rng.int(6);
    for (let t = 0; t < 8; t++) {
      if (label === 0) pixels[i * 64 + line * 8 + t] = 220;
      if (label === 1) pixels[i * 64 + t * 8 + line] = 220;
    }
  }
  return { pixels, labels };
}

function toySource(count = 48, seed = 3): ImageSource {
  const { pixels, labels } = toyImages(count, seed);
  return memorySource(pixels, labels, SHAPE, count);
}

const SETTINGS: FineTuneSettings = { epochs: 1, batchSize: 16, lr: 0.01, momentum: 0.9, weightDecay: 5e-4, cropPadding: 0, flip: false, scaling: { mode: 'unit' }, seed: 0 };

function weightsByName(model: tf.LayersModel): Map<string, Float32Array> {
  return new Map(model.weights.map((w) => [w.name, w.read().dataSync().slice() as Float32Array]));
}

/** Asserts weight `name` is zero on the last-axis channels `zeroed` and equal to `before` elsewhere. */
function assertChannelsZeroed(after: Float32Array, before: Float32Array | null, channels: number, zeroed: number[], what: string): void {
  for (let i = 0; i < after.length; i++) {
    const c = i % channels;
    if (zeroed.includes(c)) assert.strictEqual(after[i], 0, `${what}[${i}] (channel ${c}) zeroed`);
    else if (before) assert.strictEqual(after[i], before[i], `${what}[${i}] (channel ${c}) unchanged`);
  }
}

describe('defenses', function () {
  this.timeout(60_000);
  before(async () => {
    await tf.setBackend('cpu');
  });

  it('channelMask zeroes exactly the given conv channels (kernel slice and bias) and nothing else', () => {
    const model = tinyModel(6, false);
    const before = weightsByName(model);
    const mask = channelMask(model.getLayer('conv2'), [4, 1]);
    mask.apply();
    mask.dispose();
    assert.deepStrictEqual(mask.channels, [1, 4]);
    for (const [name, after] of weightsByName(model)) {
      if (name.startsWith('conv2/')) assertChannelsZeroed(after, before.get(name)!, 6, [1, 4], name);
      else assert.deepStrictEqual(after, before.get(name), `${name} untouched`);
    }
    model.dispose();
  });

  it('Fine-Pruning picks the last conv, prunes the least active channels it reports, and keeps them zero through fine-tuning', async () => {
    const resnet = buildArchitecture('resnet', { inputShape: [8, 8, 1], classes: 3, seed: 0 });
    assert.strictEqual(lastConvLayer(resnet).name, 'stage3_block1_conv2', 'not the 1x1 shortcut listed after it');
    resnet.dispose();

    const model = tinyModel(6, false);
    const source = toySource();
    const activation = await meanChannelActivation(model, model.getLayer('conv2'), source, SETTINGS);
    const leastActive = activation.map((a, k) => [a, k]).sort((x, y) => x[0] - y[0]).slice(0, 3).map(([, k]) => k).sort((a, b) => a - b);
    // Tolerance 1: any accuracy is acceptable, so the cap (half of 6 channels) decides the count.
    const result = await finePrune(model, source, { ...SETTINGS, tolerance: 1, maxShare: 0.5 }, quiet);
    assert.strictEqual(result.layer, 'conv2');
    assert.deepStrictEqual(result.channels, leastActive);
    const after = weightsByName(model);
    for (const [name, values] of after) if (name.startsWith('conv2/')) assertChannelsZeroed(values, null, 6, result.channels, name);
    const kernel = after.get([...after.keys()].find((n) => n.startsWith('conv2/kernel'))!)!;
    const kept = [0, 1, 2, 3, 4, 5].filter((c) => !result.channels.includes(c));
    assert.ok(kept.every((c) => kernel.some((v, i) => i % 6 === c && v !== 0)), 'kept channels are not zero');
    assert.strictEqual(result.history.length, 1);

    // Tolerance 0: the chosen count keeps clean accuracy at least at its starting value.
    const strict = tinyModel(6, false);
    const r0 = await finePrune(strict, source, { ...SETTINGS, epochs: 1, tolerance: 0, maxShare: 0.9 }, quiet);
    assert.ok(r0.accuracyAfterPruning >= r0.accuracyBefore, `${r0.accuracyAfterPruning} >= ${r0.accuracyBefore}`);
    for (const p of r0.probes) if (p.pruned > r0.channels.length) assert.ok(p.acc < r0.accuracyBefore, 'larger counts probed were refused');
    model.dispose();
    strict.dispose();
  });

  it('CLP flags a channel with a planted huge kernel and zeroes only it (conv without BatchNorm)', () => {
    const model = tinyModel(16, false);
    const conv = model.getLayer('conv2');
    const [kernel, bias] = conv.getWeights();
    const planted = tf.tidy(() => tf.mul(kernel, tf.oneHot(5, 16).mul(49).add(1)));
    conv.setWeights([planted, bias]);
    planted.dispose();
    const before = weightsByName(model);
    const pruned = channelLipschitzPrune(model, 3);
    assert.deepStrictEqual(pruned.map((p) => [p.conv, p.layer, p.channels]), [['conv2', 'conv2', [5]]]);
    for (const [name, after] of weightsByName(model)) {
      if (name.startsWith('conv2/')) assertChannelsZeroed(after, before.get(name)!, 16, [5], name);
      else assert.deepStrictEqual(after, before.get(name), `${name} untouched`);
    }
    model.dispose();
  });

  it('CLP zeroes gamma and beta of the BatchNorm that follows the conv, and leaves the kernel alone', () => {
    const model = tinyModel(16, true);
    const conv = model.getLayer('conv2');
    const [kernel, bias] = conv.getWeights();
    const planted = tf.tidy(() => tf.mul(kernel, tf.oneHot(11, 16).mul(99).add(1)));
    conv.setWeights([planted, bias]);
    planted.dispose();
    const before = weightsByName(model);
    const pruned = channelLipschitzPrune(model, 3);
    assert.deepStrictEqual(pruned.map((p) => [p.conv, p.layer, p.channels]), [['conv2', 'bn2', [11]]]);
    for (const [name, after] of weightsByName(model)) {
      if (/^bn2\/(gamma|beta)/.test(name)) assertChannelsZeroed(after, before.get(name)!, 16, [11], name);
      else assert.deepStrictEqual(after, before.get(name), `${name} untouched`);
    }
    model.dispose();
  });

  it('FT lowers the cross-entropy on a tiny labeled set', async () => {
    const model = tinyModel(6, false);
    const { pixels, labels } = toyImages(48, 3);
    const x = tf.tensor4d(Float32Array.from(pixels, (v) => v / 255), [48, 8, 8, 1]);
    const y = tf.oneHot(tf.tensor1d(labels, 'int32'), 3);
    const ce = () => tf.tidy(() => tf.losses.softmaxCrossEntropy(y, tf.log(tf.add(model.predict(x) as tf.Tensor, 1e-7))).dataSync()[0]);
    const start = ce();
    const history = await fineTune(model, toySource(), { ...SETTINGS, epochs: 8, lr: 0.3 }, quiet);
    assert.strictEqual(history.length, 8);
    const end = ce();
    assert.ok(end < start * 0.7, `CE ${start} -> ${end}`);
    tf.dispose([x, y]);
    model.dispose();
  });

  it("NAD's attention loss is 0 for identical maps and positive otherwise; maps are unit-norm", () => {
    const a = tf.randomNormal([2, 4, 4, 3], 0, 1, 'float32', 1) as tf.Tensor4D;
    const b = tf.randomNormal([2, 4, 4, 3], 0, 1, 'float32', 2) as tf.Tensor4D;
    const same = attentionLoss(a, a);
    const scaled = tf.mul(a, 3) as tf.Tensor4D;
    const sameShape = attentionLoss(a, scaled);
    const different = attentionLoss(a, b);
    assert.strictEqual(same.dataSync()[0], 0);
    assert.ok(sameShape.dataSync()[0] < 1e-8, 'invariant to the activation scale (normalized maps)');
    assert.ok(different.dataSync()[0] > 1e-4, `positive: ${different.dataSync()[0]}`);
    const map = attentionMap(a);
    assert.deepStrictEqual(map.shape, [2, 16]);
    for (const n of tf.norm(map, 2, 1).dataSync()) assert.ok(Math.abs(n - 1) < 1e-4);
    tf.dispose([a, b, same, scaled, sameShape, different, map]);
  });

  it('NAD compares attention at the three stage outputs of a ResNet (betas 500/1000/1000)', () => {
    const resnet = buildArchitecture('resnet', { inputShape: [8, 8, 1], classes: 3, seed: 0 });
    assert.deepStrictEqual(attentionPoints(resnet).map((p) => [p.stage, p.layer, p.beta]), [
      ['stage1', 'stage1_block1_add', 500],
      ['stage2', 'stage2_block1_add', 1000],
      ['stage3', 'stage3_block1_add', 1000],
    ]);
    resnet.dispose();
  });

  it('NAD fine-tunes a teacher, then trains the model with CE + attention loss without leaking tensors', async () => {
    const model = tinyModel(6, true);
    assert.deepStrictEqual(attentionPoints(model).map((p) => [p.layer, p.beta]), [['conv2', 1000]]);
    const source = toySource(32);
    const tensorsBefore = tf.memory().numTensors;
    const result = await neuralAttentionDistillation(model, source, { ...SETTINGS, epochs: 2, teacherEpochs: 1, p: 2 }, quiet);
    assert.strictEqual(result.teacherHistory.length, 1);
    assert.strictEqual(result.history.length, 2);
    assert.ok(result.history.every((h) => Number.isFinite(h.loss) && h.attentionLoss >= 0 && h.loss >= h.attentionLoss));
    // Teacher and per-step tensors are gone; tfjs's momentum optimizer keeps its momentum scalar after
    // dispose(), one per optimizer (the teacher's fine-tune and the student's training).
    assert.strictEqual(tf.memory().numTensors - tensorsBefore, 2, 'no tensor left behind but the two optimizer scalars');
    model.dispose();
  });

  describe('labeled methods refuse unlabeled data', () => {
    let tmp: TempDir;
    let modelJson: string;
    before(async () => {
      tmp = new TempDir();
      const model = tinyModel(6, false);
      await saveModel(model, tmp.path('model'));
      model.dispose();
      modelJson = tmp.path('model/model.json');
      const { pixels } = toyImages(6, 1);
      for (let i = 0; i < 6; i++) tmp.write(`flat/${i}.png`, pngFromPixels(8, 8, 1, pixels.subarray(i * 64, (i + 1) * 64)));
      tmp.write('pool-images-idx3-ubyte', idxBytes([6, 8, 8], pixels));
    });
    after(async () => tmp.remove());

    for (const method of ['ft', 'fp', 'nad'] as const) {
      it(`${method}: a folder without class subfolders, an IDX without labels, and no --data at all`, async () => {
        for (const data of [path.join(tmp.root, 'flat'), path.join(tmp.root, 'pool-images-idx3-ubyte')]) {
          const out = path.join(tmp.root, `out-${method}`);
          await assert.rejects(runDefend({ method, model: modelJson, data, out }, BACKEND, quiet), (err: Error) => {
            assert.ok(err instanceof InputError, String(err));
            assert.ok(err.message.includes(data), `names the file: ${err.message}`);
            assert.match(err.message, /needs labeled images.*subfolder per class.*labels-idx1-ubyte/);
            return true;
          });
          await assert.rejects(fs.stat(out), 'nothing written');
        }
        await assert.rejects(runDefend({ method, model: modelJson, out: path.join(tmp.root, 'o') }, BACKEND, quiet), /--data is required/);
      });
    }

    it('clp needs no data and writes a defend report', async () => {
      const out = path.join(tmp.root, 'out-clp');
      const result = await runDefend({ method: 'clp', model: modelJson, out }, BACKEND, quiet);
      assert.strictEqual(result.needs, 'data-free');
      assert.deepStrictEqual(result.pruned, {});
      const report = JSON.parse(await fs.readFile(result.report, 'utf8'));
      assert.strictEqual(report.kind, 'defend');
      assert.deepStrictEqual(report.method, { id: 'clp', needs: 'data-free' });
      assert.strictEqual(report.inputs.data, null);
    });

    it('bcu runs the cleanse itself: a cleanse record that also names the defense', async () => {
      const out = path.join(tmp.root, 'out-bcu');
      const data = path.join(tmp.root, 'pool-images-idx3-ubyte');
      // Six random images fail the data check: accepted, as a user would in the panel (cleanse-only settings pass through).
      const params = { method: 'bcu' as const, model: modelJson, data, out, epochs: 1, unlearnSuspect: 0, bnRecalibrate: 0, acceptDataWarning: true };
      const result = await runDefend(params, BACKEND, quiet);
      assert.strictEqual(result.method, 'bcu');
      const report = JSON.parse(await fs.readFile(result.report, 'utf8'));
      assert.strictEqual(report.kind, 'cleanse');
      assert.deepStrictEqual(report.method, { id: 'bcu', needs: 'unlabeled' });
      assert.strictEqual(report.settings.epochs, 1);
    });
  });
});
