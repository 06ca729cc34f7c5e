/**
 * Blended (Chen, Liu, Li, Lu & Song, 2017, "Targeted Backdoor Attacks on Deep Learning Systems
 * Using Data Poisoning"): the whole image is mixed with a fixed pattern, x*(1-alpha) + p*alpha.
 */
import * as tf from '@tensorflow/tfjs';
import type { ImageShape } from '../data/types';
import { loadPatternImage, randomPixelPattern } from './patternImage';
import type { BlendedSpec } from './types';

export interface PreparedBlended {
  type: 'blended';
  spec: BlendedSpec;
  shape: ImageShape;
  /** The pattern at the input shape, raw 0..255, H*W*C. */
  pattern: Float32Array;
}

export async function prepareBlended(spec: BlendedSpec, shape: ImageShape): Promise<PreparedBlended> {
  const pattern = spec.image === null ? randomPixelPattern(shape, spec.seed) : await loadPatternImage(spec.image, shape);
  return { type: 'blended', spec, shape, pattern };
}

/** x*(1-alpha) + pattern*alpha on every image; stays in 0..255 when both inputs do. */
export function blend(x: tf.Tensor4D, pattern: tf.Tensor, alpha: number): tf.Tensor4D {
  return tf.tidy(() => x.mul(1 - alpha).add(pattern.mul(alpha)) as tf.Tensor4D);
}

export function applyBlended(x: tf.Tensor4D, prepared: PreparedBlended): tf.Tensor4D {
  return tf.tidy(() => {
    const { height, width, channels } = prepared.shape;
    const pattern = tf.tensor4d(prepared.pattern, [1, height, width, channels]);
    return blend(x, pattern, prepared.spec.alpha);
  });
}
