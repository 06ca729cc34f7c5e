/**
 * The one ImageSource implementation: batching, shuffling and cancellation over a PixelStore that
 * knows how to produce image i at the model's shape (from a cache, a file, or an IDX buffer).
 */
import * as tf from '@tensorflow/tfjs';
import { InputError, throwIfAborted } from '../errors';
import { derivedRng, permutation } from '../random';
import type { BatchOptions, ImageBatch, ImageShape, ImageSource } from './types';

export interface PixelStore {
  count: number;
  /** The model's shape: what read() writes. */
  shape: ImageShape;
  /** Writes image `index` (HWC uint8 at `shape`) into `out` at `offset`. */
  read(index: number, out: Uint8Array, offset: number): void | Promise<void>;
}

export interface SourceInfo {
  path: string;
  skipped: number;
  /** One per image, or null when unlabeled. */
  labels: Int32Array | null;
  classNames: string[] | null;
}

export function sourceFromStore(store: PixelStore, info: SourceInfo): ImageSource {
  const { count, shape } = store;
  if (info.labels && info.labels.length !== count) {
    throw new Error(`${info.labels.length} labels for ${count} images`);
  }
  return {
    path: info.path,
    count,
    skipped: info.skipped,
    labeled: info.labels !== null,
    classNames: info.classNames,
    shape,
    labels: () => (info.labels ? info.labels.slice() : null),
    batches: (batchSize, options) => batchesFromStore(store, info.labels, batchSize, options ?? {}),
  };
}

async function* batchesFromStore(
  store: PixelStore,
  labels: Int32Array | null,
  batchSize: number,
  options: BatchOptions,
): AsyncGenerator<ImageBatch> {
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new InputError(`The batch size must be a whole number >= 1, not ${batchSize}.`);
  }
  const take = options.take ?? store.count;
  if (!Number.isInteger(take) || take < 0) throw new Error(`take must be a whole number >= 0, not ${take}`);
  const total = Math.min(take, store.count);
  // A stream of its own, so the same user seed shuffles the same way whatever else draws from it.
  const order = options.shuffle ? permutation(store.count, derivedRng(options.seed ?? 0, 'data/shuffle')) : null;
  const { height, width, channels } = store.shape;
  const imageSize = height * width * channels;

  for (let start = 0; start < total; start += batchSize) {
    throwIfAborted(options.signal);
    const size = Math.min(batchSize, total - start);
    const indices = new Int32Array(size);
    const pixels = new Uint8Array(size * imageSize);
    for (let i = 0; i < size; i++) {
      const index = order ? order[start + i] : start + i;
      indices[i] = index;
      await store.read(index, pixels, i * imageSize);
    }
    throwIfAborted(options.signal);
    const batchLabels = labels ? Int32Array.from(indices, (index) => labels[index]) : null;
    // Raw 0..255 floats: triggers are applied in pixel space before normalization.
    const x = tf.tensor4d(new Float32Array(pixels), [size, height, width, channels], 'float32');
    yield { x, labels: batchLabels, indices };
  }
}
