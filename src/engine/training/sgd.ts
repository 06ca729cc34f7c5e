/**
 * One SGD-with-momentum update with PyTorch-style weight decay: the decay term wd * w is added to
 * each gradient before the momentum step (torch.optim.SGD's weight_decay), for every variable.
 */
import * as tf from '@tensorflow/tfjs';

export function applyGradientsWithDecay(
  optimizer: tf.Optimizer,
  variables: tf.Variable[],
  grads: tf.NamedTensorMap,
  weightDecay: number,
): void {
  const decayed = tf.tidy(() =>
    variables
      .filter((v) => grads[v.name] !== undefined)
      .map((v) => ({ name: v.name, tensor: weightDecay > 0 ? tf.add(grads[v.name], tf.mul(v, weightDecay)) : grads[v.name].clone() })),
  );
  optimizer.applyGradients(decayed);
  tf.dispose(decayed.map((d) => d.tensor));
}
