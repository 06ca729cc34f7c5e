/**
 * Kernels whose output is their input unchanged: they share the input's data (one more
 * reference, freed with the last one) instead of copying it, as the CPU backend does and as
 * Reshape on WASM already does. Tensors are immutable in tfjs, so sharing is safe.
 *  - Identity: tfjs-core clones every tensor a gradient saves (engine.saveTensorsForBackwardMode),
 *    and WASM's Identity copies: 44 copies per small-CNN training step, whole activations among
 *    them (~3 % of the step).
 *  - Cast to the dtype the tensor already has: the ReLU gradient is dy * cast(step(x), 'float32'),
 *    a copy of every activation on WASM.
 */
import * as tf from '@tensorflow/tfjs';
import { shippedKernel } from './shippedKernels';

type RefCountingBackend = tf.KernelBackend & { incRef(dataId: tf.DataId): void };

function share(backend: tf.KernelBackend, x: tf.TensorInfo): tf.TensorInfo {
  (backend as RefCountingBackend).incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
}

export function sharedIdentityConfig(backendName: string): tf.KernelConfig {
  const kernelFunc: tf.KernelFunc = ({ inputs, backend, attrs }) => {
    const { x } = inputs as { x: tf.TensorInfo };
    if (x.dtype === 'string') return shippedKernel(tf.Identity, backendName)({ inputs, backend, attrs });
    return share(backend as tf.KernelBackend, x);
  };
  return { kernelName: tf.Identity, backendName, kernelFunc };
}

export function sameDtypeCastConfig(backendName: string): tf.KernelConfig {
  const kernelFunc: tf.KernelFunc = ({ inputs, backend, attrs }) => {
    const { x } = inputs as { x: tf.TensorInfo };
    const { dtype } = attrs as unknown as tf.CastAttrs;
    if (x.dtype !== dtype || x.dtype === 'string') return shippedKernel(tf.Cast, backendName)({ inputs, backend, attrs });
    return share(backend as tf.KernelBackend, x);
  };
  return { kernelName: tf.Cast, backendName, kernelFunc };
}
