/**
 * Pruning output channels by zeroing their parameters, as Fine-Pruning and CLP do: a Conv2D's
 * kernel slice and bias, or a BatchNormalization's gamma and beta. The mask can be re-applied
 * after every optimizer step so pruned channels stay at zero while the rest is fine-tuned
 * (what torch.nn.utils.prune does in BackdoorBench's Fine-Pruning).
 */
import * as tf from '@tensorflow/tfjs';

export interface ChannelMask {
  layer: string;
  channels: number[];
  /** Zeroes the pruned channels' parameters (idempotent). */
  apply(): void;
  dispose(): void;
}

/** Weights a channel's output depends on: Conv2D kernel and bias, BatchNorm gamma and beta. */
function prunableWeights(layer: tf.layers.Layer): tf.LayerVariable[] {
  const suffixes = layer.getClassName() === 'BatchNormalization' ? ['gamma', 'beta'] : ['kernel', 'bias'];
  return layer.weights.filter((w) => suffixes.some((s) => (w.originalName ?? w.name).split('/').pop()?.replace(/_\d+$/, '') === s));
}

export function channelMask(layer: tf.layers.Layer, channels: number[]): ChannelMask {
  const weights = prunableWeights(layer);
  if (weights.length === 0) throw new Error(`channelMask: ${layer.name} (${layer.getClassName()}) has no prunable weights`);
  const count = weights[0].shape[weights[0].shape.length - 1] as number;
  const keep = new Float32Array(count).fill(1);
  for (const c of channels) {
    if (!Number.isInteger(c) || c < 0 || c >= count) throw new Error(`channelMask: channel ${c} outside 0..${count - 1} of ${layer.name}`);
    keep[c] = 0;
  }
  const mask = tf.tensor1d(keep);
  return {
    layer: layer.name,
    channels: [...channels].sort((a, b) => a - b),
    apply: () => {
      if (channels.length === 0) return;
      // The last axis is the output channel for both kernels (kh, kw, in, out) and per-channel vectors.
      // Adding 0 turns the -0 of negative weights times 0 into a plain 0.
      for (const w of weights) tf.tidy(() => {
        w.write(tf.add(tf.mul(w.read(), mask), 0));
      });
    },
    dispose: () => mask.dispose(),
  };
}
