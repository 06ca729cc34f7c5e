/**
 * Activation statistics of every layer with channels, on the user's images: mean output, largest
 * output, and the share of dead channels (never above 1e-6 on any image). Dead channels after
 * ReLU carry nothing for these images; Fine-Pruning (Liu et al., RAID 2018) prunes exactly the
 * channels clean images leave dormant, because backdoors tend to hide there.
 */
import * as tf from '@tensorflow/tfjs';
import type { ImageSource } from '../data';
import { tapChannelMoments, type StreamOptions } from './imageBatches';

/** A channel is dead when its output never exceeds this on the user's images. */
export const DEAD_THRESHOLD = 1e-6;

/** Layer classes whose outputs are per-channel feature maps worth summarizing. */
const WITH_CHANNELS = new Set([
  'Conv1D', 'Conv2D', 'DepthwiseConv2D', 'SeparableConv2D', 'Conv2DTranspose', 'Dense', 'BatchNormalization',
  'Activation', 'ReLU', 'LeakyReLU', 'ELU', 'Add', 'MaxPooling2D', 'AveragePooling2D', 'GlobalAveragePooling2D', 'GlobalMaxPooling2D',
]);

export interface LayerActivation {
  layer: string;
  activationMean: number;
  activationMax: number;
  deadShare: number;
  deadChannels: number[];
}

/** Layers summarized: those with channels, except the output layer (its outputs are class scores). */
export function layersWithChannels(model: tf.LayersModel): tf.layers.Layer[] {
  const outputLayers = new Set(model.outputs.map((o) => o.sourceLayer));
  return model.layers.filter((l) => WITH_CHANNELS.has(l.getClassName()) && !outputLayers.has(l) && !Array.isArray((l.output as unknown)));
}

export async function activationStats(model: tf.LayersModel, source: ImageSource, options: StreamOptions): Promise<LayerActivation[]> {
  const layers = layersWithChannels(model);
  if (layers.length === 0) return [];
  const outputs = layers.map((l) => l.output as tf.SymbolicTensor);
  const moments = await tapChannelMoments(model, outputs, source, options);
  return layers.map((layer, i) => {
    const m = moments[i];
    const deadChannels = Array.from(m.max).flatMap((v, c) => (v > DEAD_THRESHOLD ? [] : [c]));
    return {
      layer: layer.name,
      activationMean: m.mean.reduce((a, b) => a + b, 0) / Math.max(1, m.channels),
      activationMax: Math.max(...m.max),
      deadShare: deadChannels.length / Math.max(1, m.channels),
      deadChannels,
    };
  });
}
