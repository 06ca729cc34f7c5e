/**
 * Per-layer summary of the channel Lipschitz bounds (CLP, Zheng et al., ECCV 2022) that
 * ../lipschitz.ts computes: the largest bound, how far it stands out, and which channel it is.
 * Data-free: works on the weights alone.
 */
import type * as tf from '@tensorflow/tfjs';
import { channelLipschitz } from '../defenses/lipschitz';

export interface LayerLipschitz {
  lipschitzMax: number;
  /** (max - mean) / std over the layer's channels; 0 when all channels are equal. */
  lipschitzZ: number;
  /** The channel with the largest bound. */
  channel: number;
}

/** One entry per Conv2D layer, keyed by layer name. */
export function layerLipschitz(model: tf.LayersModel): Map<string, LayerLipschitz> {
  const out = new Map<string, LayerLipschitz>();
  for (const entry of channelLipschitz(model)) {
    let channel = 0;
    entry.bounds.forEach((b, k) => {
      if (b > entry.bounds[channel]) channel = k;
    });
    out.set(entry.layer, { lipschitzMax: entry.bounds[channel] ?? 0, lipschitzZ: entry.maxZ, channel });
  }
  return out;
}
