/**
 * skip/limit: a contiguous range of a source's deterministic order (to hold images out).
 */
import { InputError } from '../errors';
import type { ImageShape, OpenOptions } from './types';

export interface ImageRange {
  skip: number;
  /** Number of images after skip to use; Infinity for all. */
  limit: number;
}

/** limit 0 or absent means "all" (as in the extension's settings). */
export function imageRange(options: OpenOptions): ImageRange {
  const skip = options.skip ?? 0;
  const limit = options.limit ?? 0;
  if (!Number.isInteger(skip) || skip < 0) throw new InputError(`--skip must be a whole number >= 0, not ${skip}.`);
  if (!Number.isInteger(limit) || limit < 0) throw new InputError(`--limit must be a whole number >= 0 (0: all), not ${limit}.`);
  return { skip, limit: limit === 0 ? Infinity : limit };
}

/** The number of images a range leaves out of `available`; refuses an empty result. */
export function rangeCount(range: ImageRange, available: number, path: string): number {
  const count = Math.max(0, Math.min(available - range.skip, range.limit));
  if (count === 0 && available > 0) {
    throw new InputError(`--skip ${range.skip} leaves no images: ${path} has ${available}. Use a smaller --skip.`, path);
  }
  return count;
}

export function checkModelShape(shape: ImageShape): void {
  const { height, width, channels } = shape;
  const ok = [height, width].every((v) => Number.isInteger(v) && v > 0);
  if (!ok || (channels !== 1 && channels !== 3)) {
    throw new InputError(
      `The model's input shape [${height}, ${width}, ${channels}] is not supported: images need a fixed height and width and 1 (gray) or 3 (RGB) channels.`,
    );
  }
}
