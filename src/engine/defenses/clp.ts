/**
 * CLP, Channel Lipschitzness-based Pruning (Zheng, Zhang, Wang, Wang, Chen, "Data-free Backdoor
 * Removal based on Channel Lipschitzness", ECCV 2022). A backdoor channel reacts strongly to a
 * small input pattern, so its Lipschitz upper bound (spectral norm of its kernel slice, times
 * |gamma/sigma| of a directly following BatchNorm; lipschitz.ts computes it) stands out among the
 * layer's channels. Per convolution, channels with bound > mean + u*std are pruned (u = 3 by
 * default): as the CLP code does, by zeroing gamma and beta of the following BatchNorm when there
 * is one, else the conv's kernel slice and bias. No fine-tuning.
 * Needs: nothing but the weights (data-free).
 */
import type * as tf from '@tensorflow/tfjs';
import { channelLipschitz, followingBatchNorm, lipschitzOutliers } from './lipschitz';
import { channelMask } from './channelMask';

export interface ClpPrunedLayer {
  /** The conv layer whose channels were judged. */
  conv: string;
  /** The layer whose parameters were zeroed: the following BatchNorm, or the conv itself. */
  layer: string;
  channels: number[];
  /** Threshold mean + u*std of the conv's channel bounds. */
  threshold: number;
}

/** Prunes `model` in place; returns what was pruned (only layers with at least one channel). */
export function channelLipschitzPrune(model: tf.LayersModel, u: number): ClpPrunedLayer[] {
  const pruned: ClpPrunedLayer[] = [];
  for (const entry of channelLipschitz(model)) {
    const channels = lipschitzOutliers(entry, u);
    if (channels.length === 0) continue;
    const conv = model.getLayer(entry.layer);
    const target = followingBatchNorm(conv) ?? conv;
    const mask = channelMask(target, channels);
    mask.apply();
    mask.dispose();
    pruned.push({ conv: conv.name, layer: target.name, channels: mask.channels, threshold: entry.mean + u * entry.std });
  }
  return pruned;
}
