/**
 * The user's images as model inputs, batch by batch: raw pixels streamed from the source and
 * normalized. Shared by the data-based diagnostics so each streams the same way and disposes
 * every batch.
 */
import * as tf from '@tensorflow/tfjs';
import { normalize, type ImageSource, type Scaling } from '../data';

export interface StreamOptions {
  scaling: Scaling;
  batchSize?: number;
  /** Use at most this many images. */
  take?: number;
  signal?: AbortSignal;
}

/** Calls `visit` with each normalized batch; the batch is disposed after `visit` returns. */
export async function forEachInputBatch(source: ImageSource, options: StreamOptions, visit: (x: tf.Tensor4D) => void | Promise<void>): Promise<number> {
  let seen = 0;
  for await (const batch of source.batches(options.batchSize ?? 100, { take: options.take, signal: options.signal })) {
    const x = normalize(batch.x, options.scaling);
    batch.x.dispose();
    try {
      await visit(x);
      seen += x.shape[0];
    } finally {
      x.dispose();
    }
  }
  return seen;
}
