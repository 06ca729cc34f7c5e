/**
 * MaxPoolGrad as one pass in JS over the WASM heap. WASM's own kernel is a plain C++ loop that
 * took ~0.5 s for the small CNN's pool (x[64,24,24,64], 2x2) on two busy cores: 11 % of a
 * distillation step, for what is a scatter of dy into each window's arg-max.
 *
 * Same rule as the CPU backend (its maxPoolPositions): within a window the first position in
 * row-major order holding a strictly greater value wins, so ties (ReLU zeros) send the whole
 * gradient to one position, and padding never wins. Windows are walked once, all channels of a
 * window position together, so every read and write is contiguous.
 */
import * as tf from '@tensorflow/tfjs';
import { withKernelScope } from './kernelScope';
import { shippedKernel } from './shippedKernels';
import { heapView } from './wasmHeap';

export function maxPoolGradConfig(backendName: string): tf.KernelConfig {
  const kernelFunc: tf.KernelFunc = ({ inputs, backend, attrs }) => {
    const { dy, input } = inputs as { dy: tf.TensorInfo; input: tf.TensorInfo };
    const { filterSize, strides, pad, dimRoundingMode } = attrs as unknown as tf.MaxPoolGradAttrs;
    if (input.dtype !== 'float32' || dy.dtype !== 'float32') {
      return shippedKernel(tf.MaxPoolGrad, backendName)({ inputs, backend, attrs });
    }
    const info = tf.backend_util.computePool2DInfo(
      input.shape as [number, number, number, number], filterSize, strides, 1, pad, dimRoundingMode);
    return withKernelScope(backend as tf.KernelBackend, backendName, (scope) => {
      const dx = scope.allocate(input.shape);
      const out = heapView(scope.backend, dx);
      const x = heapView(scope.backend, input);
      const g = heapView(scope.backend, dy);
      out.fill(0);
      const { batchSize, inHeight: h, inWidth: w, inChannels: c, outHeight: ho, outWidth: wo } = info;
      const best = new Float32Array(c);
      const where = new Int32Array(c);
      for (let b = 0; b < batchSize; b++) {
        for (let yo = 0; yo < ho; yo++) {
          const rowStart = yo * info.strideHeight - info.padInfo.top;
          for (let xo = 0; xo < wo; xo++) {
            const colStart = xo * info.strideWidth - info.padInfo.left;
            best.fill(-Infinity);
            where.fill(-1);
            for (let r = Math.max(0, rowStart); r < Math.min(h, rowStart + info.effectiveFilterHeight); r++) {
              for (let col = Math.max(0, colStart); col < Math.min(w, colStart + info.effectiveFilterWidth); col++) {
                const base = ((b * h + r) * w + col) * c;
                for (let d = 0; d < c; d++) {
                  const v = x[base + d];
                  if (v > best[d]) {
                    best[d] = v;
                    where[d] = base + d;
                  }
                }
              }
            }
            const dyBase = ((b * ho + yo) * wo + xo) * c;
            for (let d = 0; d < c; d++) if (where[d] >= 0) out[where[d]] += g[dyBase + d];
          }
        }
      }
      return dx;
    });
  };
  return { kernelName: tf.MaxPoolGrad, backendName, kernelFunc };
}
