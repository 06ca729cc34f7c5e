/**
 * Byte sizes of weights as the TF.js manifest describes them, so that shard files can be checked
 * against model.json before a single byte of them is read.
 */
import type * as tf from '@tensorflow/tfjs';

/** Bytes per stored element, by dtype (quantized weights are stored in their quantized dtype). */
const STORED_BYTES_PER_ELEMENT: Readonly<Record<string, number>> = {
  float32: 4,
  int32: 4,
  bool: 1,
  complex64: 8,
};

const QUANTIZED_BYTES_PER_ELEMENT: Readonly<Record<string, number>> = {
  uint8: 1,
  uint16: 2,
  float16: 2,
};

/**
 * Bytes the weight occupies in its shard, or a reason it cannot be sized (returned, not thrown,
 * so the caller can name the file and the weight in one message).
 */
export function storedByteSize(entry: tf.io.WeightsManifestEntry): number | string {
  if (entry === null || typeof entry !== 'object') return 'is not an object';
  const { shape, dtype, quantization } = entry;
  if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    return `has an invalid shape ${JSON.stringify(shape)} (expected a list of non-negative integers)`;
  }
  const elements = shape.reduce((product, d) => product * d, 1);
  if (quantization != null) {
    const bytes = QUANTIZED_BYTES_PER_ELEMENT[quantization.dtype];
    if (bytes === undefined) return `has an unsupported quantization dtype ${JSON.stringify(quantization.dtype)}`;
    return elements * bytes;
  }
  const bytes = STORED_BYTES_PER_ELEMENT[dtype];
  if (bytes === undefined) return `has an unsupported dtype ${JSON.stringify(dtype)}`;
  return elements * bytes;
}

/** "conv2d/kernel float32 [3,3,1,8]" (with the stored dtype when quantized). */
export function describeWeight(entry: tf.io.WeightsManifestEntry): string {
  const stored = entry.quantization != null ? ` (stored as ${entry.quantization.dtype})` : '';
  return `${entry.name} ${entry.dtype} [${(entry.shape ?? []).join(',')}]${stored}`;
}
