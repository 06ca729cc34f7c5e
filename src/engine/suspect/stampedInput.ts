/**
 * The scan works on images scaled to 0..1; the model takes raw pixels normalized its own way.
 * One place says how a 0..1 image, with or without a recovered trigger stamped on it the Neural
 * Cleanse way, x' = (1 - m) x + m p, becomes the model's input. Call inside tf.tidy.
 */
import * as tf from '@tensorflow/tfjs';
import { normalize, type Scaling } from '../data';

export function unitToModelInput(images: tf.Tensor4D, scaling: Scaling): tf.Tensor4D {
  return normalize(tf.mul(images, 255) as tf.Tensor4D, scaling);
}

/** `mask` [H,W,1] and `pattern` [H,W,C] in 0..1, broadcast over the batch. */
export function stampedModelInput(images: tf.Tensor4D, mask: tf.Tensor, pattern: tf.Tensor, scaling: Scaling): tf.Tensor4D {
  const stamped = tf.add(tf.mul(tf.sub(1, mask), images), tf.mul(mask, pattern)) as tf.Tensor4D;
  return unitToModelInput(stamped, scaling);
}
