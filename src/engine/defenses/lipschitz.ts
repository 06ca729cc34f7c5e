/**
 * Channel Lipschitz upper bounds (CLP: Zheng, Zhang, Wang, Wang, Chen, "Data-free backdoor removal
 * based on channel Lipschitzness", ECCV 2022). For a convolution's output channel k, the map from
 * the layer input to that channel is bounded by the spectral norm of its kernel slice W_k
 * (in_channels x kh*kw), times |gamma_k / sigma_k| when a BatchNorm directly follows. Backdoor
 * channels tend to be far more sensitive than their neighbours: their bound stands out.
 * Pure arithmetic on the weights: no data, no labels.
 */
import * as tf from '@tensorflow/tfjs';

export interface ChannelLipschitz {
  layer: string;
  /** One upper bound per output channel. */
  bounds: number[];
  mean: number;
  std: number;
  /** The largest bound's distance from the mean, in standard deviations. */
  maxZ: number;
  /** Whether a following BatchNorm's scale was folded in. */
  withBatchNorm: boolean;
}

/** Largest singular value of a rows x cols matrix (row-major), by power iteration on A^T A. */
export function spectralNorm(a: Float32Array | number[], rows: number, cols: number, iterations = 50): number {
  const ata = new Float64Array(cols * cols);
  for (let r = 0; r < rows; r++) {
    for (let i = 0; i < cols; i++) {
      const ai = a[r * cols + i];
      if (ai === 0) continue;
      for (let j = 0; j < cols; j++) ata[i * cols + j] += ai * a[r * cols + j];
    }
  }
  let v = new Float64Array(cols).fill(1 / Math.sqrt(cols));
  let lambda = 0;
  for (let it = 0; it < iterations; it++) {
    const w = new Float64Array(cols);
    for (let i = 0; i < cols; i++) {
      let s = 0;
      for (let j = 0; j < cols; j++) s += ata[i * cols + j] * v[j];
      w[i] = s;
    }
    const norm = Math.sqrt(w.reduce((s, x) => s + x * x, 0));
    if (norm === 0) return 0;
    lambda = norm;
    v = w.map((x) => x / norm);
  }
  return Math.sqrt(lambda);
}

/** The BatchNorm layer fed directly and only by `layer`, if any. */
export function followingBatchNorm(layer: tf.layers.Layer): tf.layers.Layer | null {
  const nodes = (layer as unknown as { outboundNodes: { outboundLayer: tf.layers.Layer }[] }).outboundNodes ?? [];
  const next = nodes.map((n) => n.outboundLayer).filter((l) => l && l !== layer);
  return next.length === 1 && next[0].getClassName() === 'BatchNormalization' ? next[0] : null;
}

/** Per-channel |gamma / sqrt(var + eps)| of a BatchNorm layer. */
function batchNormScale(bn: tf.layers.Layer): Float32Array {
  const names = bn.weights.map((w) => w.originalName ?? w.name);
  const value = (suffix: string) => {
    const i = names.findIndex((n) => n.endsWith(suffix));
    return i >= 0 ? (bn.weights[i].read().dataSync() as Float32Array) : null;
  };
  const variance = value('moving_variance') as Float32Array;
  const gamma = value('gamma');
  const eps = (bn.getConfig().epsilon as number) ?? 1e-3;
  return variance.map((v, k) => Math.abs(gamma ? gamma[k] : 1) / Math.sqrt(v + eps));
}

export function channelLipschitz(model: tf.LayersModel): ChannelLipschitz[] {
  const out: ChannelLipschitz[] = [];
  for (const layer of model.layers) {
    if (layer.getClassName() !== 'Conv2D') continue;
    const kernel = layer.getWeights()[0];
    const [kh, kw, cin, cout] = kernel.shape as number[];
    const data = kernel.dataSync() as Float32Array;
    const bn = followingBatchNorm(layer);
    const scale = bn ? batchNormScale(bn) : null;
    const bounds: number[] = [];
    for (let k = 0; k < cout; k++) {
      // W_k as in_channels x (kh*kw): element (c, t) = kernel[t / kw, t % kw, c, k].
      const m = new Float32Array(cin * kh * kw);
      for (let t = 0; t < kh * kw; t++) for (let c = 0; c < cin; c++) m[c * kh * kw + t] = data[(t * cin + c) * cout + k];
      bounds.push(spectralNorm(m, cin, kh * kw) * (scale ? scale[k] : 1));
    }
    const mean = bounds.reduce((a, b) => a + b, 0) / bounds.length;
    const std = Math.sqrt(bounds.reduce((a, b) => a + (b - mean) ** 2, 0) / bounds.length);
    const max = Math.max(...bounds);
    out.push({ layer: layer.name, bounds, mean, std, maxZ: std > 0 ? (max - mean) / std : 0, withBatchNorm: bn !== null });
  }
  return out;
}

/** Channels whose bound exceeds mean + u * std (CLP's rule; u = 3 by default). */
export function lipschitzOutliers(entry: ChannelLipschitz, u: number): number[] {
  const threshold = entry.mean + u * entry.std;
  return entry.bounds.flatMap((b, k) => (b > threshold ? [k] : []));
}
