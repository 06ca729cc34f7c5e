/**
 * Runs a backend's own kernels on TensorInfos from inside a kernel we register, and frees every
 * intermediate it produced (backend.disposeData) except the one handed back as the result.
 * Kernels run this way bypass the engine: no tape, no tensor bookkeeping, so nothing leaks
 * into tf.memory() as long as the scope is disposed.
 */
import * as tf from '@tensorflow/tfjs';
import { shippedKernel } from './shippedKernels';

export class KernelScope {
  private readonly intermediates: tf.TensorInfo[] = [];

  constructor(
    readonly backend: tf.KernelBackend,
    readonly backendName: string,
  ) {}

  /** Runs the backend's shipped `kernelName`; its output is freed by dispose() unless kept. */
  run(kernelName: string, inputs: tf.NamedTensorInfoMap, attrs: tf.NamedAttrMap = {}): tf.TensorInfo {
    const out = shippedKernel(kernelName, this.backendName)({ inputs, backend: this.backend, attrs });
    if (Array.isArray(out)) {
      for (const o of out) this.intermediates.push(o);
      throw new Error(`${kernelName} returned ${out.length} outputs; KernelScope.run expects one`);
    }
    this.intermediates.push(out);
    return out;
  }

  transpose(x: tf.TensorInfo, perm: number[]): tf.TensorInfo {
    return this.run('Transpose', { x }, { perm });
  }

  reshape(x: tf.TensorInfo, shape: number[]): tf.TensorInfo {
    return this.run('Reshape', { x }, { shape });
  }

  slice(x: tf.TensorInfo, begin: number[], size: number[]): tf.TensorInfo {
    return this.run('Slice', { x }, { begin, size });
  }

  sum(x: tf.TensorInfo, axis: number[]): tf.TensorInfo {
    return this.run('Sum', { x }, { axis, keepDims: false });
  }

  /** Reads a float32 tensor's values (a copy on WASM: do not keep views across kernel calls). */
  read(x: tf.TensorInfo): Float32Array {
    return this.backend.readSync(x.dataId) as Float32Array;
  }

  /** A new float32 tensor holding `values`, freed by dispose() unless kept. */
  write(values: Float32Array, shape: number[]): tf.TensorInfo {
    const out = { dataId: this.backend.write(values, shape, 'float32'), shape, dtype: 'float32' as const };
    this.intermediates.push(out);
    return out;
  }

  /** A new float32 tensor of `shape` with unspecified contents (the caller fills it), freed by dispose() unless kept. */
  allocate(shape: number[]): tf.TensorInfo {
    const size = shape.reduce((p, d) => p * d, 1);
    const withOutput = this.backend as tf.KernelBackend & { makeOutput?: (s: number[], d: 'float32') => tf.TensorInfo };
    const out = withOutput.makeOutput ? withOutput.makeOutput(shape, 'float32')
      : { dataId: this.backend.write(new Float32Array(size), shape, 'float32'), shape, dtype: 'float32' as const };
    this.intermediates.push(out);
    return out;
  }

  /** Hands `result` to the caller: dispose() will not free it. */
  keep(result: tf.TensorInfo): tf.TensorInfo {
    const i = this.intermediates.lastIndexOf(result);
    if (i >= 0) this.intermediates.splice(i, 1);
    return result;
  }

  /** Frees every intermediate not kept (each output once: reshapes share data by refcount). */
  dispose(): void {
    for (const info of this.intermediates.splice(0)) this.backend.disposeData(info.dataId);
  }
}

/** Runs `body` in a fresh scope and frees its intermediates however it ends. */
export function withKernelScope(
  backend: tf.KernelBackend,
  backendName: string,
  body: (scope: KernelScope) => tf.TensorInfo,
): tf.TensorInfo {
  const scope = new KernelScope(backend, backendName);
  try {
    return scope.keep(body(scope));
  } finally {
    scope.dispose();
  }
}
