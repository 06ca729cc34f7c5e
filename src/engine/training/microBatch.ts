/**
 * How many images one student pass (forward + backward) takes on backends with a bounded heap.
 * WASM's heap is 4 GiB at most, and a training pass keeps every layer's output (for the backward
 * pass) plus, at the peak, gradients and temporaries of about the same size. So the estimate is
 * the activations' bytes per image times a factor, against a budget well under the heap. A step
 * of `batchSize` images runs in ceil(batchSize / microBatch) passes with the gradients summed
 * (distill.ts), so this changes speed and memory; without BatchNorm, not the result beyond float
 * rounding. With BatchNorm it does: each pass normalizes with its own micro-batch's statistics (and
 * updates the moving averages once per pass), so the run record says which (cleanse.ts batchNormNote).
 */
import type * as tf from '@tensorflow/tfjs';
import { batchNormLayers } from '../bcu/bnRecalibration';

/**
 * Bytes a pass may plan for: well under WASM's 4 GiB, leaving room for weights, the teacher and
 * fragmentation. Measured: PreAct-ResNet-18 at 32x32x3 in passes of 64 peaked at 3.5 GB RSS, too
 * close to the heap's limit; this budget gives it passes of 32.
 */
export const PASS_BUDGET_BYTES = 1024 ** 3;
/** Kept outputs + their gradients + the largest temporaries (im2col, transposes), per activation. */
export const ACTIVATION_FACTOR = 4;

/** Float32 values all layers output for one image. */
export function activationFloatsPerImage(model: tf.LayersModel): number {
  let total = 0;
  for (const layer of model.layers) {
    const out = layer.outputShape;
    const shapes = (Array.isArray(out[0]) ? out : [out]) as (number | null)[][];
    for (const shape of shapes) total += shape.slice(1).reduce<number>((p, d) => p * (d ?? 1), 1);
  }
  return total;
}

/**
 * The micro-batch for `batchSize` on a backend: the whole batch natively (tfjs-node manages its
 * own memory) or when it fits the budget, else the largest power of two that does (at least 1).
 */
export function microBatchFor(model: tf.LayersModel, batchSize: number, backendName: string): number {
  const bytesPerImage = activationFloatsPerImage(model) * 4 * ACTIVATION_FACTOR;
  if (backendName === 'tensorflow' || batchSize * bytesPerImage <= PASS_BUDGET_BYTES) return batchSize;
  let micro = 1;
  while (micro * 2 < batchSize && micro * 2 * bytesPerImage <= PASS_BUDGET_BYTES) micro *= 2;
  return micro;
}

/**
 * What the student's BatchNorm layers normalized each training pass with. With micro-batches the
 * batch statistics come from each micro-batch, not the whole batch, so the result is not the same
 * as one pass over the batch (see above): the run record says so.
 */
export function batchNormNote(model: tf.LayersModel, batchSize: number, microBatch: number): string | null {
  if (batchNormLayers(model).length === 0) return null;
  return microBatch < batchSize
    ? `BatchNorm batch statistics over micro-batches of ${microBatch} images, not the whole batch of ${batchSize} (memory bound); a run with a larger micro-batch differs beyond rounding`
    : `BatchNorm batch statistics over the whole batch of ${batchSize} images`;
}

