/**
 * Recomputes the BatchNorm moving statistics of a trained student from clean unlabeled images,
 * as PyTorch's `torch.optim.swa_utils.update_bn` does (Izmailov et al., 2018): the model runs in
 * training mode over the images, and each BatchNorm layer's moving mean and variance become the
 * plain average of the batch statistics of its input. Why: after distillation the moving averages
 * still hold part of the teacher's statistics (Keras momentum 0.99 keeps 0.99^steps of them) and,
 * with trigger unlearning, of stamped images; the saved model then normalizes clean inputs with
 * the wrong figures. Only the moving statistics change; no weight is trained, no label is read.
 */
import * as tf from '@tensorflow/tfjs';
import { normalize } from '../data/normalize';
import type { ImageSource, Scaling } from '../data/types';
import { throwIfAborted } from '../errors';

export interface BnRecalibrationOptions {
  scaling: Scaling;
  /** Images used (the first ones of the source, unaugmented). */
  images: number;
  batchSize: number;
  signal?: AbortSignal;
}

export interface BnRecalibrationRecord {
  layers: number;
  images: number;
  batchSize: number;
  seconds: number;
  /** Mean over layers of |new mean - old mean| / sqrt(old variance + eps): how stale the statistics were. */
  meanShift: number;
  how: string;
}

interface BatchNormLike {
  axis: number | number[];
  epsilon: number;
  movingMean: tf.LayerVariable;
  movingVariance: tf.LayerVariable;
}

/** The model's BatchNorm layers (top level, one call each, channels last): the ones recalibrated. */
export function batchNormLayers(model: tf.LayersModel): tf.layers.Layer[] {
  return model.layers.filter((layer) => {
    if (layer.getClassName() !== 'BatchNormalization' || layer.inboundNodes.length !== 1) return false;
    const axis = (layer as unknown as BatchNormLike).axis;
    const rank = (layer.outputShape as number[]).length;
    const a = Array.isArray(axis) ? axis : [axis];
    return a.length === 1 && (a[0] === -1 || a[0] === rank - 1);
  });
}


export async function recalibrateBatchNorm(
  model: tf.LayersModel,
  source: ImageSource,
  options: BnRecalibrationOptions,
): Promise<BnRecalibrationRecord | null> {
  const layers = batchNormLayers(model);
  if (layers.length === 0) return null;
  const t0 = Date.now();
  const probe = tf.model({ inputs: model.inputs, outputs: layers.map((l) => l.input as tf.SymbolicTensor) });
  const sums: { mean: tf.Tensor; variance: tf.Tensor }[] = [];
  let batches = 0;
  let images = 0;
  const take = Math.min(options.images, source.count);
  for await (const batch of source.batches(options.batchSize, { shuffle: false, take, signal: options.signal })) {
    throwIfAborted(options.signal);
    try {
      const stats = tf.tidy(() => {
        const x = normalize(batch.x, options.scaling);
        const inputs = probe.apply(x, { training: true }) as tf.Tensor | tf.Tensor[];
        return (Array.isArray(inputs) ? inputs : [inputs]).map((t) => {
          const reduce = Array.from({ length: t.rank - 1 }, (_, k) => k);
          const { mean, variance } = tf.moments(t, reduce);
          return { mean, variance };
        });
      });
      stats.forEach((s, k) => {
        if (!sums[k]) {
          sums[k] = s;
          return;
        }
        const next = { mean: tf.add(sums[k].mean, s.mean), variance: tf.add(sums[k].variance, s.variance) };
        tf.dispose([sums[k].mean, sums[k].variance, s.mean, s.variance]);
        sums[k] = next;
      });
    } finally {
      batch.x.dispose();
    }
    batches++;
    images += batch.indices.length;
    await new Promise((resolve) => setImmediate(resolve));
  }
  if (batches === 0) return null;
  let shift = 0;
  layers.forEach((layer, k) => {
    const bn = layer as unknown as BatchNormLike;
    const mean = tf.tidy(() => tf.div(sums[k].mean, batches));
    const variance = tf.tidy(() => tf.div(sums[k].variance, batches));
    shift += tf.tidy(() => tf.mean(tf.div(tf.abs(tf.sub(mean, bn.movingMean.read())), tf.sqrt(tf.add(bn.movingVariance.read(), bn.epsilon)))).dataSync()[0]);
    bn.movingMean.write(mean);
    bn.movingVariance.write(variance);
    tf.dispose([mean, variance, sums[k].mean, sums[k].variance]);
  });
  return {
    layers: layers.length,
    images,
    batchSize: options.batchSize,
    seconds: (Date.now() - t0) / 1000,
    meanShift: shift / layers.length,
    how: 'moving mean and variance = average of the batch statistics over clean unlabeled images, model in training mode (PyTorch update_bn); no training',
  };
}
