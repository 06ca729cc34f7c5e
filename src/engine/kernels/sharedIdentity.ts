/**
 * Identity that shares the input's data (one more reference) instead of copying it. tfjs-core
 * clones every tensor a gradient saves (engine.saveTensorsForBackwardMode), and WASM's own
 * Identity copies: 44 copies per small-CNN training step, whole activations among them (~3 % of
 * the step). Tensors are immutable in tfjs, so sharing is what the CPU backend already does, and
 * Reshape on WASM shares the same way (refCount, freed with the last reference).
 */
import * as tf from '@tensorflow/tfjs';
import { shippedKernel } from './shippedKernels';

type RefCountingBackend = tf.KernelBackend & { incRef(dataId: tf.DataId): void };

export function sharedIdentityConfig(backendName: string): tf.KernelConfig {
  const kernelFunc: tf.KernelFunc = ({ inputs, backend, attrs }) => {
    const { x } = inputs as { x: tf.TensorInfo };
    if (x.dtype === 'string') return shippedKernel(tf.Identity, backendName)({ inputs, backend, attrs });
    (backend as RefCountingBackend).incRef(x.dataId);
    return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
  };
  return { kernelName: tf.Identity, backendName, kernelFunc };
}
