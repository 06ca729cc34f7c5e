import type * as tf from '@tensorflow/tfjs';

/** Height, width and channels the model expects (NHWC). */
export interface ImageShape {
  height: number;
  width: number;
  channels: number;
}

/**
 * How raw pixels (0..255) become model inputs. 'unit' = x/255 (default), 'symmetric' = x/127.5-1,
 * 'raw' = unchanged; mean/std (per channel, on the 0..1 scale) are applied after 'unit' when given.
 */
export interface Scaling {
  mode: 'unit' | 'symmetric' | 'raw';
  mean?: number[];
  std?: number[];
}

export interface ImageBatch {
  /** Raw pixels as float32 0..255, NHWC at the model's shape. The receiver disposes it. */
  x: tf.Tensor4D;
  /** Class indices when the source is labeled, else null (never used by cleansing). */
  labels: Int32Array | null;
  /** Positions of these images within the source (after skip/limit). */
  indices: Int32Array;
}

export interface BatchOptions {
  shuffle?: boolean;
  seed?: number;
  signal?: AbortSignal;
  /** Stop after this many images (default: all). */
  take?: number;
}

/** A streamed set of images: folders of PNG/JPEG (recursive) or an IDX file. */
export interface ImageSource {
  /** The folder or file the user named. */
  path: string;
  /** Images available (after skip/limit, without the undecodable ones). */
  count: number;
  /** Files that could not be decoded and were skipped. */
  skipped: number;
  /** Labels come from class subfolders or the IDX labels file. */
  labeled: boolean;
  classNames: string[] | null;
  shape: ImageShape;
  /** All labels in source order, or null. */
  labels(): Int32Array | null;
  /** Batches of raw pixels; each batch's tensor belongs to the caller. */
  batches(batchSize: number, options?: BatchOptions): AsyncGenerator<ImageBatch>;
}

export interface OpenOptions {
  /** The model's input shape: images are resized and their channels adapted to it. */
  shape: ImageShape;
  /** Use at most this many images (after skip). */
  limit?: number;
  /** Skip this many images first (in the source's deterministic order). */
  skip?: number;
  /** Labels are required (evaluation): refuse an unlabeled source with a clear message. */
  requireLabels?: boolean;
}
