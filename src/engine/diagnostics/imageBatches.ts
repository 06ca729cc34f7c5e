/**
 * The user's images as model inputs, batch by batch: raw pixels streamed from the source and
 * normalized. Shared by the data-based diagnostics so each streams the same way and disposes
 * every batch.
 */
import * as tf from '@tensorflow/tfjs';
import { normalize, type ImageSource, type Scaling } from '../data';
import { ChannelMoments } from './channelMoments';

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

/** Per-channel moments of the given symbolic tensors (channels last) over the user's images. */
export async function tapChannelMoments(model: tf.LayersModel, taps: tf.SymbolicTensor[], source: ImageSource, options: StreamOptions): Promise<ChannelMoments[]> {
  const tapModel = tf.model({ inputs: model.inputs, outputs: taps });
  const moments = taps.map((s) => new ChannelMoments(s.shape[s.shape.length - 1] as number));
  await forEachInputBatch(source, options, (x) => {
    const outs = tapModel.predict(x) as tf.Tensor | tf.Tensor[];
    const list = Array.isArray(outs) ? outs : [outs];
    try {
      list.forEach((t, i) => moments[i].add(t));
    } finally {
      tf.dispose(list);
    }
  });
  return moments;
}
