/**
 * Sum and Mean over leading axes without the transpose WASM's kernels make first. These are the
 * per-channel reductions of training: bias and BatchNorm gradients (dy [N,H,W,C] summed to [C])
 * and the batch statistics of BatchNormalization in training mode (tf.moments: two Means over
 * [N,H,W] per layer per step). WASM's kernels first move the reduced axes innermost with a full
 * element-by-element copy (a transpose), then reduce. Here each row of the [rows, C] view is added into C accumulators,
 * one contiguous pass. Float64 accumulators (as the CPU backend's JS sum) keep long sums exact
 * to float32. Every other reduction goes to WASM's own kernel, which needs no transpose for it.
 */
import * as tf from '@tensorflow/tfjs';
import { withKernelScope } from './kernelScope';
import { shippedKernel } from './shippedKernels';
import { heapView } from './wasmHeap';

/** How many leading axes `axis` names, when it names exactly the first k (0 < k < rank); else 0. */
export function leadingAxisCount(axis: number | number[], shape: number[]): number {
  const axes = tf.util.parseAxisParam(axis, shape).sort((a, b) => a - b);
  const k = axes.length;
  return k > 0 && k < shape.length && axes.every((a, i) => a === i) ? k : 0;
}

function leadingAxesReduceConfig(kernelName: typeof tf.Sum | typeof tf.Mean, backendName: string): tf.KernelConfig {
  const kernelFunc: tf.KernelFunc = ({ inputs, backend, attrs }) => {
    const { x } = inputs as { x: tf.TensorInfo };
    const { axis, keepDims } = attrs as unknown as tf.SumAttrs; // MeanAttrs is the same
    const k = leadingAxisCount(axis, x.shape);
    if (x.dtype !== 'float32' || k === 0 || tf.util.sizeFromShape(x.shape) === 0) {
      return shippedKernel(kernelName, backendName)({ inputs, backend, attrs });
    }
    const kept = x.shape.slice(k);
    const cols = tf.util.sizeFromShape(kept);
    const rows = tf.util.sizeFromShape(x.shape.slice(0, k));
    const outShape = keepDims ? [...x.shape.slice(0, k).map(() => 1), ...kept] : kept;
    return withKernelScope(backend as tf.KernelBackend, backendName, (scope) => {
      const result = scope.allocate(outShape);
      const out = heapView(scope.backend, result);
      const values = heapView(scope.backend, x);
      const acc = new Float64Array(cols);
      // Four rows per pass over the accumulators: 2.4x faster than one (fewer loads and stores of acc).
      let r = 0;
      for (; r + 4 <= rows; r += 4) {
        const b0 = r * cols;
        const b1 = b0 + cols;
        const b2 = b1 + cols;
        const b3 = b2 + cols;
        for (let c = 0; c < cols; c++) acc[c] += (values[b0 + c] + values[b1 + c]) + (values[b2 + c] + values[b3 + c]);
      }
      for (; r < rows; r++) {
        const base = r * cols;
        for (let c = 0; c < cols; c++) acc[c] += values[base + c];
      }
      const scale = kernelName === tf.Mean ? 1 / rows : 1;
      for (let c = 0; c < cols; c++) out[c] = acc[c] * scale;
      return result;
    });
  };
  return { kernelName, backendName, kernelFunc };
}

export function leadingAxesSumConfig(backendName: string): tf.KernelConfig {
  return leadingAxesReduceConfig(tf.Sum, backendName);
}

export function leadingAxesMeanConfig(backendName: string): tf.KernelConfig {
  return leadingAxesReduceConfig(tf.Mean, backendName);
}
