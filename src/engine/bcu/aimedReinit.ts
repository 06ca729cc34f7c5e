/**
 * Re-initialization aimed by the scan (issue 13's lever): the convolution channels the recovered
 * trigger moves most are re-initialized in the student, on top of the random share. BCU's insight
 * is that a backdoor's pathway lies in weights clean images never exercise, so distillation on clean
 * images does not rewrite them; a random re-initialization hits only part of that pathway. The
 * recovered trigger (suspectUnlearning.ts) still flips the teacher, so the channels it excites far
 * beyond their natural variation are the likeliest carriers. Per conv layer: the change of each
 * channel's spatial mean between stamped and clean images, in units of its standard deviation over
 * the clean images; the top `share` of channels by that score are chosen.
 */
import * as tf from '@tensorflow/tfjs';
import type { ImageSource, Scaling } from '../data/types';
import { throwIfAborted } from '../errors';
import type { TriggerFocus } from '../../shared/report';
import type { RecoveredTrigger } from '../training/augment';
import { tapModel } from './safety/layerOutputChange';
import { stampedModelInput, unitToModelInput } from '../suspect/stampedInput';

export interface AimOptions {
  scaling: Scaling;
  /** Share of each conv layer's output channels to choose (0..1). */
  share: number;
  images?: number;
  batchSize?: number;
  signal?: AbortSignal;
}

/** Per conv layer, how far the trigger moves each channel's mean (in clean standard deviations), highest first. */
export interface ChannelScores {
  layer: string;
  scores: Float64Array;
}

const CONV_CLASSES = new Set(['Conv2D', 'DepthwiseConv2D', 'SeparableConv2D']);

export async function triggerChannelScores(teacher: tf.LayersModel, source: ImageSource, trigger: RecoveredTrigger, options: AimOptions): Promise<ChannelScores[]> {
  const convs = teacher.layers.filter((l) => CONV_CLASSES.has(l.getClassName())).map((l) => l.name);
  const tapped = tapModel(teacher, convs);
  if (tapped.tapped.length === 0) return [];
  // Per layer: each batch's per-image channel means, on the clean images and on the stamped ones.
  const stats = tapped.tapped.map(() => ({ clean: [] as Float32Array[], stamped: [] as Float32Array[] }));
  const take = Math.min(options.images ?? 256, source.count);
  const { height, width, channels } = source.shape;
  // The trigger as tensors once per scan, not once per batch.
  const mask = tf.tensor3d(trigger.mask, [height, width, 1]);
  const pattern = tf.tidy(() => tf.div(tf.tensor3d(trigger.pattern, [height, width, channels]), 255));
  try {
    for await (const batch of source.batches(options.batchSize ?? 32, { take, signal: options.signal })) {
      try {
        throwIfAborted(options.signal);
        const means = tf.tidy(() => {
          const channelMeans = (modelInput: tf.Tensor4D) => {
            const out = tapped.model.predict(modelInput);
            return (Array.isArray(out) ? out : [out]).map((t) => tf.mean(t, [1, 2]));
          };
          const unit = tf.div(batch.x, 255) as tf.Tensor4D;
          const stamped = stampedModelInput(unit, mask, pattern, options.scaling);
          return [...channelMeans(unitToModelInput(unit, options.scaling)), ...channelMeans(stamped)];
        });
        const n = tapped.tapped.length;
        means.forEach((t, i) => {
          const values = t.dataSync() as Float32Array;
          (i < n ? stats[i].clean : stats[i - n].stamped).push(Float32Array.from(values));
        });
        tf.dispose(means);
      } finally {
        batch.x.dispose();
      }
    }
  } finally {
    tf.dispose([mask, pattern]);
  }
  return tapped.tapped.map((layer, li) => {
    const { clean, stamped } = stats[li];
    const channels = teacher.getLayer(layer).outputShape.slice(-1)[0] as number;
    const rows = (parts: Float32Array[]) => parts.reduce((count, p) => count + p.length / channels, 0);
    const meanOf = (parts: Float32Array[]) => {
      const m = new Float64Array(channels);
      for (const p of parts) for (let i = 0; i < p.length; i++) m[i % channels] += p[i];
      const count = rows(parts);
      return m.map((v) => v / Math.max(1, count));
    };
    const cleanMean = meanOf(clean);
    const stampedMean = meanOf(stamped);
    const variance = new Float64Array(channels);
    for (const p of clean) for (let i = 0; i < p.length; i++) variance[i % channels] += (p[i] - cleanMean[i % channels]) ** 2;
    const count = rows(clean);
    const scores = stampedMean.map((s, k) => Math.abs(s - cleanMean[k]) / (Math.sqrt(variance[k] / Math.max(1, count - 1)) + 1e-6));
    return { layer, scores };
  });
}

/**
 * The top channels of each conv layer by score: `share` of them where the depth schedule
 * re-initializes most, and proportionally fewer where it re-initializes less (`depthWeight`: the
 * layer's schedule ratio over the largest, 0..1; absent: 1). Rounded, so shallow layers with a small
 * ratio get none: a first version aimed at every layer alike, and re-initializing the most-moved
 * stem channels cost 3 points more of clean accuracy (docs/benchmark.md).
 */
export function chooseAimedChannels(scores: ChannelScores[], share: number, depthWeight?: Map<string, number>): Map<string, number[]> {
  const chosen = new Map<string, number[]>();
  if (share <= 0) return chosen;
  for (const { layer, scores: s } of scores) {
    const k = Math.min(s.length, Math.round(share * (depthWeight?.get(layer) ?? 1) * s.length));
    if (k === 0) continue;
    const order = Array.from(s.keys()).sort((a, b) => s[b] - s[a]);
    chosen.set(layer, order.slice(0, k).sort((a, b) => a - b));
  }
  return chosen;
}

/** Each layer's schedule ratio over the largest one's (0..1): where the depth schedule puts its weight. */
export function depthWeights(layers: { name: string; ratio: number }[]): Map<string, number> {
  const top = Math.max(0, ...layers.map((l) => l.ratio));
  return new Map(layers.map((l) => [l.name, top > 0 ? l.ratio / top : 0]));
}

/**
 * Whether to aim at all: a share was asked, a trigger was recovered, and it is global (no window
 * carries it, or the focus was not computed). A local trigger is unlearned through its window
 * (triggerFocus.ts); aiming there too cost 1.7 points of ACC on BadNets for no ASR (docs/benchmark.md).
 */
export function aimedReinitApplies(share: number, recovered: RecoveredTrigger | null, focus: TriggerFocus | undefined): recovered is RecoveredTrigger {
  return share > 0 && recovered !== null && !focus?.window;
}
