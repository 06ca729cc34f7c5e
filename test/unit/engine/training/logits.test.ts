import * as assert from 'assert';
import * as tf from '@tensorflow/tfjs';
import { logitsView } from '../../../../src/engine/training/logits';

describe('logits view of a softmax classifier', () => {
  before(async () => {
    await tf.setBackend('cpu');
  });

  it('removes a final softmax activation temporarily and restores it', () => {
    const model = tf.sequential({ layers: [tf.layers.flatten({ inputShape: [2, 2, 1] }), tf.layers.dense({ units: 3, activation: 'softmax', kernelInitializer: 'glorotUniform' })] });
    const x = tf.randomNormal([4, 2, 2, 1], 0, 1, 'float32', 1);
    const probs = model.predict(x) as tf.Tensor;
    const view = logitsView(model);
    assert.strictEqual(view.how, 'softmax activation removed from the last layer');
    const logits = view.model.predict(x) as tf.Tensor;
    const diff = tf.max(tf.abs(tf.sub(tf.softmax(logits), probs))).dataSync()[0];
    assert.ok(diff < 1e-6, `softmax(logits) equals the probabilities (diff ${diff})`);
    view.restore();
    const again = model.predict(x) as tf.Tensor;
    assert.ok(tf.max(tf.abs(tf.sub(again, probs))).dataSync()[0] < 1e-7);
    tf.dispose([x, probs, logits, again]);
  });

  it('uses the input of a final Softmax layer, and passes logits models through', () => {
    const input = tf.input({ shape: [3] });
    const z = tf.layers.dense({ units: 2 }).apply(input) as tf.SymbolicTensor;
    const withSoftmaxLayer = tf.model({ inputs: input, outputs: tf.layers.softmax().apply(z) as tf.SymbolicTensor });
    assert.strictEqual(logitsView(withSoftmaxLayer).how, 'input of the final Softmax layer');
    const plain = tf.model({ inputs: input, outputs: z });
    assert.strictEqual(logitsView(plain).how, 'output is logits');
  });
});
