import * as assert from 'assert';
import * as tf from '@tensorflow/tfjs';
import type { BatchOptions, ImageBatch, ImageShape, ImageSource } from '../../../src/engine/data/types';
import { CancelledError, InputError } from '../../../src/engine/errors';
import { agreement, agreementFromPredictions, evaluateModel, metricsFromPredictions } from '../../../src/engine/evaluate';
import { prepareTrigger, type PreparedTrigger } from '../../../src/engine/triggers';

/** A labeled (or not) in-memory source yielding raw 0..255 pixels, like the real ones. */
function arraySource(images: Float32Array[], labels: number[] | null, shape: ImageShape): ImageSource {
  return {
    path: '<test images>',
    count: images.length,
    skipped: 0,
    labeled: labels !== null,
    classNames: null,
    shape,
    labels: () => (labels ? Int32Array.from(labels) : null),
    async *batches(batchSize: number, options?: BatchOptions): AsyncGenerator<ImageBatch> {
      for (let start = 0; start < images.length; start += batchSize) {
        if (options?.signal?.aborted) throw new CancelledError();
        const part = images.slice(start, start + batchSize);
        const size = shape.height * shape.width * shape.channels;
        const x = new Float32Array(part.length * size);
        part.forEach((image, i) => x.set(image, i * size));
        yield {
          x: tf.tensor4d(x, [part.length, shape.height, shape.width, shape.channels]),
          labels: labels ? Int32Array.from(labels.slice(start, start + batchSize)) : null,
          indices: Int32Array.from(part.map((_, i) => start + i)),
        };
      }
    },
  };
}

/*
 * A 4x4 grayscale classifier whose behaviour we set by hand (inputs scaled to 0..1):
 *   z0 = 10 - 20 * v(3,2)           class 0 wins when pixel (3,2) is black. In the 3x3 BadNets
 *                                   patch at the bottom-right that pixel is patch cell (2,1): black.
 *   z1 = 5 * v(0,0) + 30 * v(0,1)   a white pixel (0,1) ("strong") beats the trigger.
 *   z2 = 2.5 - 5 * v(0,0)           class 2 when the top-left pixel is dark.
 * Clean (v(3,2) = 1): strong or bright top-left -> 1, else 2. Triggered: strong -> 1, else 0.
 */
const SHAPE: ImageShape = { height: 4, width: 4, channels: 1 };

function handMadeModel(extraBias = [0, 0, 0]): tf.LayersModel {
  const model = tf.sequential({
    layers: [tf.layers.flatten({ inputShape: [4, 4, 1] }), tf.layers.dense({ units: 3, activation: 'softmax' })],
  });
  const kernel = new Float32Array(16 * 3);
  kernel[14 * 3 + 0] = -20;
  kernel[0 * 3 + 1] = 5;
  kernel[1 * 3 + 1] = 30;
  kernel[0 * 3 + 2] = -5;
  const bias = [10 + extraBias[0], 0 + extraBias[1], 2.5 + extraBias[2]];
  model.setWeights([tf.tensor2d(kernel, [16, 3]), tf.tensor1d(bias)]);
  return model;
}

function image(topLeftBright: boolean, strong: boolean): Float32Array {
  const v = new Float32Array(16).fill(255);
  v[0] = topLeftBright ? 255 : 0;
  v[1] = strong ? 255 : 0;
  return v;
}

// label, top-left bright, strong -> clean prediction, triggered prediction
const CASES: Array<[number, boolean, boolean]> = [
  [0, true, false], // clean 1 (wrong); target class: not in ASR/RA
  [1, true, false], // clean 1 (right); triggered 0: attack success
  [1, true, true], // clean 1 (right); triggered 1: robust
  [2, false, false], // clean 2 (right); triggered 0: success
  [2, true, false], // clean 1 (wrong); triggered 0: success
  [2, false, true], // clean 1 (wrong); triggered 1: neither
  [0, false, false], // clean 2 (wrong); target class
  [1, false, true], // clean 1 (right); triggered 1: robust
];

describe('evaluate: metrics from predictions', () => {
  it('computes ACC, and ASR/RA over non-target images only', () => {
    const m = metricsFromPredictions({
      labels: [0, 1, 1, 2, 2, 0, 3],
      clean: [0, 1, 2, 2, 0, 0, 3],
      triggered: [0, 0, 1, 0, 2, 1, 3],
      target: 0,
    });
    // ACC: 5 of 7. Non-target: indices 1,2,3,4,6 -> to target 1,3 (2/5); to true class 2,4,6 (3/5).
    assert.deepStrictEqual(m, { acc: 5 / 7, asr: 2 / 5, ra: 3 / 5, n: 7, nTriggered: 5 });
  });

  it('ignores whatever the triggered predictions of target-class images say', () => {
    const a = metricsFromPredictions({ labels: [0, 0, 1], clean: [0, 0, 1], triggered: [-1, 5, 0], target: 0 });
    const b = metricsFromPredictions({ labels: [0, 0, 1], clean: [0, 0, 1], triggered: [0, 0, 0], target: 0 });
    assert.deepStrictEqual(a, b);
    assert.deepStrictEqual(a, { acc: 1, asr: 1, ra: 0, n: 3, nTriggered: 1 });
  });

  it('gives null ASR/RA without a trigger, or when every image is of the target class', () => {
    assert.deepStrictEqual(metricsFromPredictions({ labels: [1, 2], clean: [1, 1] }), { acc: 0.5, asr: null, ra: null, n: 2, nTriggered: 0 });
    assert.deepStrictEqual(metricsFromPredictions({ labels: [3, 3], clean: [3, 3], triggered: [3, 3], target: 3 }), {
      acc: 1, asr: null, ra: null, n: 2, nTriggered: 0,
    });
    assert.deepStrictEqual(metricsFromPredictions({ labels: [], clean: [] }), { acc: null, asr: null, ra: null, n: 0, nTriggered: 0 });
  });

  it('refuses misaligned inputs', () => {
    assert.throws(() => metricsFromPredictions({ labels: [1, 2], clean: [1] }), /1 clean predictions for 2 labels/);
    assert.throws(() => metricsFromPredictions({ labels: [1], clean: [1], triggered: [1] }), /need the target class/);
  });

  it('agreement is the share of equal top-1 predictions', () => {
    assert.strictEqual(agreementFromPredictions([1, 2, 3, 4], [1, 0, 3, 0]), 0.5);
    assert.strictEqual(agreementFromPredictions([], []), null);
  });
});

describe('evaluate: evaluateModel and agreement on a hand-made model', () => {
  let model: tf.LayersModel;
  let badnets: PreparedTrigger;
  const source = (): ImageSource => arraySource(CASES.map(([, tl, s]) => image(tl, s)), CASES.map(([label]) => label), SHAPE);

  before(async () => {
    await tf.setBackend('cpu');
    model = handMadeModel();
    badnets = await prepareTrigger({ type: 'badnets', target: 0, poisonLabel: 'dirty', size: 3, position: 'bottom-right' }, SHAPE);
  });
  after(() => model.dispose());

  it('gives exactly the known ACC, ASR and RA, streaming in uneven batches, with no tensor left', async () => {
    const before = tf.memory().numTensors;
    const progress: Array<[number, number]> = [];
    const m = await evaluateModel(model, source(), {
      scaling: { mode: 'unit' },
      trigger: badnets,
      batchSize: 3,
      onProgress: (done, total) => progress.push([done, total]),
    });
    assert.deepStrictEqual(m, { acc: 4 / 8, asr: 3 / 6, ra: 2 / 6, n: 8, nTriggered: 6 });
    assert.deepStrictEqual(progress, [[3, 8], [6, 8], [8, 8]]);
    assert.strictEqual(tf.memory().numTensors, before);
  });

  it('leaves ASR and RA null without a trigger', async () => {
    const m = await evaluateModel(model, source(), { scaling: { mode: 'unit' } });
    assert.deepStrictEqual(m, { acc: 0.5, asr: null, ra: null, n: 8, nTriggered: 0 });
  });

  it('uses a custom predict function when given one', async () => {
    // Always class 2: ACC = share of label 2 (3/8); triggered non-target -> 2: ASR 0, RA = label-2 share (3/6).
    const m = await evaluateModel(model, source(), {
      scaling: { mode: 'unit' },
      trigger: badnets,
      predict: (x) => tf.oneHot(tf.fill([x.shape[0]], 2, 'int32') as tf.Tensor1D, 3),
    });
    assert.deepStrictEqual(m, { acc: 3 / 8, asr: 0, ra: 3 / 6, n: 8, nTriggered: 6 });
  });

  it('refuses an unlabeled source with an InputError naming it', async () => {
    const unlabeled = arraySource([image(true, false)], null, SHAPE);
    await assert.rejects(
      evaluateModel(model, unlabeled, { scaling: { mode: 'unit' } }),
      (err: unknown) => err instanceof InputError && err.message.startsWith('<test images>: evaluation needs labeled images'),
    );
  });

  it('refuses a trigger target or a label that is not one of the model classes', async () => {
    const far = await prepareTrigger({ type: 'sig', target: 7, poisonLabel: 'clean', delta: 20, freq: 1 }, SHAPE);
    const before = tf.memory().numTensors;
    await assert.rejects(
      evaluateModel(model, source(), { scaling: { mode: 'unit' }, trigger: far }),
      (err: unknown) => err instanceof InputError && /trigger target 7 is not a class of this model \(it has 3 outputs\)/.test(err.message),
    );
    const badLabels = arraySource([image(true, false)], [5], SHAPE);
    await assert.rejects(
      evaluateModel(model, badLabels, { scaling: { mode: 'unit' } }),
      (err: unknown) => err instanceof InputError && /label 5 but the model has 3 outputs/.test(err.message),
    );
    assert.strictEqual(tf.memory().numTensors, before, 'nothing leaks on the error path');
  });

  it('refuses images of another shape than the model input', async () => {
    const wrong = arraySource([new Float32Array(25)], [0], { height: 5, width: 5, channels: 1 });
    await assert.rejects(
      evaluateModel(model, wrong, { scaling: { mode: 'unit' } }),
      (err: unknown) => err instanceof InputError && /read as 5x5x1 but the model expects 4x4x1/.test(err.message),
    );
  });

  it('stops with CancelledError when the signal fires', async () => {
    const controller = new AbortController();
    const run = evaluateModel(model, source(), {
      scaling: { mode: 'unit' },
      batchSize: 2,
      signal: controller.signal,
      onProgress: () => controller.abort(),
    });
    await assert.rejects(run, CancelledError);
  });

  it('agreement: share of images where teacher and student pick the same class', async () => {
    // The student always says 2; the teacher says 2 on images 3 and 6 only.
    const student = handMadeModel([0, 0, 100]);
    const before = tf.memory().numTensors;
    const share = await agreement(model, student, source(), { scaling: { mode: 'unit' }, batchSize: 5 });
    assert.strictEqual(share, 2 / 8);
    assert.strictEqual(await agreement(model, model, source(), { scaling: { mode: 'unit' } }), 1);
    assert.strictEqual(tf.memory().numTensors, before);
    student.dispose();
  });
});
