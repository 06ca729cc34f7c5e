/**
 * BatchNorm divergence: do the user's images produce, at each BatchNorm layer's input, the
 * statistics stored during training? A BatchNorm layer keeps a running mean and variance per
 * channel; images unlike the training data (another domain, other scaling, heavy poisoning)
 * shift them. The measure is scale-free: per channel the symmetric KL divergence (Jeffreys)
 * between N(mu_stored, var_stored) and N(mu_observed, var_observed),
 *   J = 1/2 (vs/vo + vo/vs - 2) + 1/2 (ms - mo)^2 (1/vs + 1/vo),
 * with the layer's epsilon added to both variances, averaged over channels. J = 0 when they match.
 */
import * as tf from '@tensorflow/tfjs';
import type { ImageSource } from '../data';
import { tapChannelMoments, type StreamOptions } from './imageBatches';

export interface BatchNormDivergence {
  layer: string;
  divergence: number;
  /** Per channel, for hovers and tests. */
  perChannel: number[];
}

/** Symmetric KL divergence between two univariate normals. */
export function symmetricGaussianKl(meanA: number, varA: number, meanB: number, varB: number): number {
  const d = meanA - meanB;
  return 0.5 * (varA / varB + varB / varA - 2) + 0.5 * d * d * (1 / varA + 1 / varB);
}

function storedStatistics(bn: tf.layers.Layer): { mean: Float32Array; variance: Float32Array; epsilon: number } {
  const named = (suffix: string) => {
    const w = bn.weights.find((v) => (v.originalName ?? v.name).endsWith(suffix));
    if (!w) throw new Error(`BatchNorm layer ${bn.name} has no ${suffix}`);
    return w.read().dataSync() as Float32Array;
  };
  return { mean: named('moving_mean'), variance: named('moving_variance'), epsilon: (bn.getConfig().epsilon as number) ?? 1e-3 };
}

/** One entry per BatchNormalization layer (channels last), in model order. */
export async function batchNormDivergence(model: tf.LayersModel, source: ImageSource, options: StreamOptions): Promise<BatchNormDivergence[]> {
  const layers = model.layers.filter((l) => l.getClassName() === 'BatchNormalization');
  if (layers.length === 0) return [];
  const inputs = layers.map((l) => l.input as tf.SymbolicTensor);
  const moments = await tapChannelMoments(model, inputs, source, options);
  return layers.map((bn, i) => {
    const stored = storedStatistics(bn);
    const observedVar = moments[i].variance();
    const perChannel = Array.from(stored.mean, (ms, c) =>
      symmetricGaussianKl(ms, stored.variance[c] + stored.epsilon, moments[i].mean[c], observedVar[c] + stored.epsilon),
    );
    return { layer: bn.name, divergence: perChannel.reduce((a, b) => a + b, 0) / Math.max(1, perChannel.length), perChannel };
  });
}
