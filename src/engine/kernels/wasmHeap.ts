/**
 * Direct float32 views of tensors on the WASM heap, for kernels written as JS loops: readSync
 * would copy every input out and write() every result back in. Take views AFTER allocating
 * outputs: an allocation can grow the heap, which detaches the views taken before it.
 */
import type * as tf from '@tensorflow/tfjs';

type HeapBackend = tf.KernelBackend & { typedArrayFromHeap(t: tf.TensorInfo): Float32Array };

export function heapView(backend: tf.KernelBackend, t: tf.TensorInfo): Float32Array {
  return (backend as HeapBackend).typedArrayFromHeap(t);
}
