/**
 * Distillation needs logits (softmax(z/T) at a temperature), but saved Keras classifiers usually
 * end in a softmax. This gives a model's logits view without copying weights, and says how.
 */
import * as tf from '@tensorflow/tfjs';

export interface LogitsView {
  /** Computes logits from model inputs; shares the original model's weights. */
  model: tf.LayersModel;
  /** How the logits were obtained, for the run record. */
  how: 'output is logits' | 'softmax activation removed from the last layer' | 'input of the final Softmax layer' | 'log of the output probabilities';
  /** Undo any change made to the original model (call before saving it). */
  restore(): void;
}

type WithActivation = tf.layers.Layer & { activation?: { getClassName(): string } | null };

export function logitsView(model: tf.LayersModel): LogitsView {
  const last = model.layers[model.layers.length - 1] as unknown as WithActivation;
  const className = last.getClassName();
  if (className === 'Softmax') {
    const pre = last.input as tf.SymbolicTensor;
    return { model: tf.model({ inputs: model.inputs, outputs: pre }), how: 'input of the final Softmax layer', restore: () => undefined };
  }
  const activation = last.activation;
  if (activation && activation.getClassName() === 'softmax') {
    // Swap the activation object for a linear one; the weights are untouched.
    const linear = (tf.layers.dense({ units: 1, activation: 'linear' }) as unknown as WithActivation).activation;
    last.activation = linear;
    return {
      model,
      how: 'softmax activation removed from the last layer',
      restore: () => {
        last.activation = activation;
      },
    };
  }
  if (!activation || activation.getClassName() === 'linear') {
    return { model, how: 'output is logits', restore: () => undefined };
  }
  // Any other squashing (e.g. sigmoid): log-probabilities preserve the ranking and ratios.
  const input = model.inputs;
  const wrapped = tf.model({
    inputs: input,
    outputs: new LogOfProbabilities().apply(model.outputs[0]) as tf.SymbolicTensor,
  });
  return { model: wrapped, how: 'log of the output probabilities', restore: () => undefined };
}

class LogOfProbabilities extends tf.layers.Layer {
  static className = 'LogOfProbabilities';
  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    return tf.log(tf.maximum(x, 1e-12));
  }
}
