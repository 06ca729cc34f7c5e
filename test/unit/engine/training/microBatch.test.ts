import * as assert from 'assert';
import * as tf from '@tensorflow/tfjs';
import { buildArchitecture } from '../../../../src/engine/attackLab/architectures';
import { ACTIVATION_FACTOR, PASS_BUDGET_BYTES, activationFloatsPerImage, batchNormNote, microBatchFor } from '../../../../src/engine/training/microBatch';

describe('micro-batch from the activations a pass keeps', () => {
  before(async () => {
    await tf.setBackend('cpu');
  });

  it('counts every layer\'s output per image', () => {
    const model = tf.sequential({
      layers: [
        tf.layers.conv2d({ inputShape: [8, 8, 1], filters: 4, kernelSize: 3 }), // 6*6*4 = 144
        tf.layers.flatten(), // 144
        tf.layers.dense({ units: 10 }), // 10
      ],
    });
    assert.strictEqual(activationFloatsPerImage(model), 144 + 144 + 10);
    model.dispose();
  });

  it('runs the small CNN\'s 128-image step in one pass (its activations are ~0.9 MB per image)', () => {
    const model = buildArchitecture('small-cnn', { inputShape: [28, 28, 1], classes: 10, seed: 0 });
    assert.strictEqual(microBatchFor(model, 128, 'wasm'), 128);
    assert.strictEqual(microBatchFor(model, 100, 'wasm'), 100, 'a batch that fits is never split, power of two or not');
    model.dispose();
  });

  it('splits PreAct-ResNet-18 at 32x32x3 into the largest power of two within the budget', () => {
    const model = buildArchitecture('resnet18', { inputShape: [32, 32, 3], classes: 10, seed: 0 });
    const bytesPerImage = activationFloatsPerImage(model) * 4 * ACTIVATION_FACTOR;
    const micro = microBatchFor(model, 256, 'wasm');
    assert.ok(micro < 256 && (micro & (micro - 1)) === 0, `power of two below the batch, got ${micro}`);
    assert.ok(micro * bytesPerImage <= PASS_BUDGET_BYTES && 2 * micro * bytesPerImage > PASS_BUDGET_BYTES, 'the largest that fits');
    assert.strictEqual(microBatchFor(model, 256, 'tensorflow'), 256, 'tfjs-node takes the whole batch');
    assert.strictEqual(microBatchFor(model, 8, 'wasm'), 8);
    model.dispose();
  });
});

describe('micro-batching and BatchNorm (the run record says which statistics were used)', () => {
  it('names the micro-batch when it is smaller than the batch and the model has BatchNorm', () => {
    const withBn = tf.sequential({ layers: [tf.layers.conv2d({ inputShape: [4, 4, 1], filters: 2, kernelSize: 3 }), tf.layers.batchNormalization()] });
    const without = tf.sequential({ layers: [tf.layers.dense({ inputShape: [3], units: 2 })] });
    assert.match(batchNormNote(withBn, 128, 32) ?? '', /micro-batches of 32 images, not the whole batch of 128/);
    assert.match(batchNormNote(withBn, 128, 128) ?? '', /whole batch of 128/);
    assert.strictEqual(batchNormNote(without, 128, 32), null);
    withBn.dispose();
    without.dispose();
  });
});
