/**
 * Fine-Pruning (Liu, Dolan-Gavitt, Garg, "Fine-Pruning: Defending Against Backdooring Attacks on
 * Deep Neural Networks", RAID 2018). Backdoor neurons tend to stay dormant on clean inputs, so:
 *  1. measure the mean activation of each output channel of the LAST convolution on the
 *     defender's clean images;
 *  2. prune channels in increasing activation order while the defender's clean accuracy (on its
 *     own labeled images) stays within `tolerance` (relative drop, 0.10 as BackdoorBench and the
 *     BCU reference) and at most `maxShare` of the channels; the count is found by bisection,
 *     assuming accuracy falls as more channels go (each probe is one pass over the images);
 *  3. fine-tune as FT (ft.ts), re-zeroing the pruned channels after every step.
 * Pruning zeroes the channel's kernel slice and bias (channelMask.ts).
 * Needs: labeled images (accuracy for the tolerance, labels for the fine-tune).
 */
import * as tf from '@tensorflow/tfjs';
import type { EngineEventSink } from '../../shared/protocol';
import { normalize } from '../data/normalize';
import type { ImageSource } from '../data/types';
import { InputError, throwIfAborted } from '../errors';
import { evaluateModel } from '../evaluate';
import type { TrainEpoch } from '../attackLab/train';
import { channelMask } from './channelMask';
import { fineTune, type FineTuneSettings } from './ft';

export interface FinePruningSettings extends FineTuneSettings {
  /** Largest relative clean-accuracy drop allowed by pruning (0.1 = 10 %). */
  tolerance: number;
  /** Largest share of the layer's channels that may be pruned. */
  maxShare: number;
}

export interface FinePruningResult {
  layer: string;
  /** Channels pruned (ascending index). */
  channels: number[];
  /** Mean activation per channel on the clean images (the pruning order). */
  activation: number[];
  accuracyBefore: number;
  accuracyAfterPruning: number;
  /** Every bisection probe: channels pruned and the clean accuracy measured. */
  probes: { pruned: number; acc: number }[];
  history: TrainEpoch[];
}

/**
 * The last convolution: the Conv2D farthest from the input (longest path), so a residual
 * network's 1x1 projection shortcut, listed after its block's convs, is not taken for it.
 */
export function lastConvLayer(model: tf.LayersModel): tf.layers.Layer {
  const depth = new Map<tf.layers.Layer, number>();
  let last: tf.layers.Layer | null = null;
  for (const layer of model.layers) {
    const inbound = (layer as unknown as { inboundNodes: { inboundLayers: tf.layers.Layer[] }[] }).inboundNodes.flatMap((n) => n.inboundLayers);
    const d = 1 + Math.max(0, ...inbound.map((l) => depth.get(l) ?? 0));
    depth.set(layer, d);
    if (layer.getClassName() === 'Conv2D' && (!last || d >= (depth.get(last) ?? 0))) last = layer;
  }
  if (!last) throw new InputError('Fine-Pruning needs a model with at least one Conv2D layer; this one has none.');
  return last;
}

/** Mean of each output channel of `layer` over all images and positions. */
export async function meanChannelActivation(
  model: tf.LayersModel,
  layer: tf.layers.Layer,
  source: ImageSource,
  settings: Pick<FineTuneSettings, 'batchSize' | 'scaling' | 'signal'>,
): Promise<number[]> {
  const probe = tf.model({ inputs: model.inputs, outputs: layer.output as tf.SymbolicTensor });
  let sum: Float64Array | null = null;
  let positions = 0;
  for await (const batch of source.batches(settings.batchSize, { signal: settings.signal })) {
    throwIfAborted(settings.signal);
    const channelSums = tf.tidy(() => tf.sum(probe.predict(normalize(batch.x, settings.scaling)) as tf.Tensor4D, [0, 1, 2]));
    const [, h, w] = probe.outputs[0].shape as number[];
    positions += batch.x.shape[0] * h * w;
    batch.x.dispose();
    const values = channelSums.dataSync();
    channelSums.dispose();
    sum ??= new Float64Array(values.length);
    values.forEach((v, k) => (sum![k] += v));
  }
  if (!sum || positions === 0) throw new InputError(`${source.path}: no images to measure activations on`, source.path);
  return Array.from(sum, (s) => s / positions);
}

export async function finePrune(
  model: tf.LayersModel,
  source: ImageSource,
  settings: FinePruningSettings,
  sink: EngineEventSink,
): Promise<FinePruningResult> {
  const layer = lastConvLayer(model);
  const activation = await meanChannelActivation(model, layer, source, settings);
  const order = activation.map((a, k) => [a, k] as const).sort((x, y) => x[0] - y[0] || x[1] - y[1]).map(([, k]) => k);
  const accuracy = async (): Promise<number> => (await evaluateModel(model, source, { scaling: settings.scaling, signal: settings.signal })).acc ?? 0;
  const original = layer.getWeights().map((w) => w.clone());
  const probes: { pruned: number; acc: number }[] = [];
  const accuracyBefore = await accuracy();
  const floor = accuracyBefore * (1 - settings.tolerance);
  const accuracyWith = async (count: number): Promise<number> => {
    const mask = channelMask(layer, order.slice(0, count));
    mask.apply();
    mask.dispose();
    const acc = await accuracy();
    layer.setWeights(original);
    probes.push({ pruned: count, acc });
    sink({ type: 'log', level: 'info', message: `fine-pruning ${layer.name}: ${count} of ${order.length} channels pruned -> clean acc ${(100 * acc).toFixed(2)} %` });
    return acc;
  };
  // Largest count within the tolerance, by bisection over [0, maxShare * channels].
  let lo = 0;
  let hi = Math.floor(settings.maxShare * order.length);
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if ((await accuracyWith(mid)) >= floor) lo = mid;
    else hi = mid - 1;
  }
  tf.dispose(original);
  const mask = channelMask(layer, order.slice(0, lo));
  try {
    mask.apply();
    const accuracyAfterPruning = probes.find((p) => p.pruned === lo)?.acc ?? accuracyBefore;
    sink({ type: 'log', level: 'info', message: `fine-pruning ${layer.name}: pruned ${lo} of ${order.length} channels; fine-tuning` });
    const history = await fineTune(model, source, settings, sink, () => mask.apply());
    mask.apply();
    return { layer: layer.name, channels: mask.channels, activation, accuracyBefore, accuracyAfterPruning, probes, history };
  } finally {
    mask.dispose();
  }
}
