/**
 * The kernels a backend shipped with, remembered before we replace any of them, so that our
 * replacements (and the tests' references) can still call the originals.
 */
import * as tf from '@tensorflow/tfjs';

// null: we registered this kernel where the backend shipped none.
const shipped = new Map<string, tf.KernelConfig | null>();

function key(kernelName: string, backendName: string): string {
  return `${backendName}/${kernelName}`;
}

/**
 * Call before overriding `kernelName` on `backendName`; later calls keep the first capture.
 * Returns the shipped config (its setupFunc must stay registered: WASM kernels bind their C
 * functions in setupFunc when the backend initializes).
 */
export function rememberShippedKernel(kernelName: string, backendName: string): tf.KernelConfig | null {
  const k = key(kernelName, backendName);
  if (!shipped.has(k)) shipped.set(k, tf.getKernel(kernelName, backendName) ?? null);
  return shipped.get(k) ?? null;
}

/** The backend's own implementation of `kernelName`, even after we replaced it. */
export function shippedKernel(kernelName: string, backendName: string): tf.KernelFunc {
  const k = key(kernelName, backendName);
  if (shipped.has(k)) {
    const remembered = shipped.get(k);
    if (!remembered) throw new Error(`backend '${backendName}' ships no kernel ${kernelName}`);
    return remembered.kernelFunc;
  }
  const config = tf.getKernel(kernelName, backendName);
  if (!config) throw new Error(`backend '${backendName}' has no kernel ${kernelName}`);
  return config.kernelFunc;
}

/**
 * Runs the current backend's own `kernelName` on tensors that live on it (created after the
 * backend was selected) and returns the result as a tensor: the reference our replacements
 * are tested and timed against.
 */
export function runShippedKernel(kernelName: string, inputs: Record<string, tf.Tensor>, attrs: tf.NamedAttrMap = {}): tf.Tensor {
  const backend = tf.backend();
  const out = shippedKernel(kernelName, tf.getBackend())({ inputs, backend, attrs });
  if (Array.isArray(out)) {
    for (const o of out.slice(1)) backend.disposeData(o.dataId);
    return tf.engine().makeTensorFromTensorInfo(out[0], backend);
  }
  return tf.engine().makeTensorFromTensorInfo(out, backend);
}
