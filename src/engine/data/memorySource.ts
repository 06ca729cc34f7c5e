/**
 * An ImageSource over pixels already in memory (tests, synthetic data, the demo).
 */
import type { ImageShape, ImageSource } from './types';
import { sourceFromStore } from './pixelStoreSource';

/**
 * @param pixels count images, HWC uint8 at `shape`, back to back
 * @param labels one class index per image, or null for an unlabeled source
 */
export function memorySource(
  pixels: Uint8Array,
  labels: Int32Array | null,
  shape: ImageShape,
  count: number,
): ImageSource {
  const imageSize = shape.height * shape.width * shape.channels;
  if (!Number.isInteger(count) || count < 0) throw new Error(`memorySource: count must be a whole number, not ${count}`);
  if (pixels.length !== count * imageSize) {
    throw new Error(`memorySource: ${pixels.length} bytes of pixels, but ${count} images of ${shape.height}x${shape.width}x${shape.channels} need ${count * imageSize}`);
  }
  if (labels && labels.length !== count) throw new Error(`memorySource: ${labels.length} labels for ${count} images`);
  const store = {
    count,
    shape: { ...shape },
    read(index: number, out: Uint8Array, offset: number): void {
      out.set(pixels.subarray(index * imageSize, (index + 1) * imageSize), offset);
    },
  };
  return sourceFromStore(store, { path: '<memory>', skipped: 0, labels: labels ? labels.slice() : null, classNames: null });
}
