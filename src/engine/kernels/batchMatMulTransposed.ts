/**
 * BatchMatMul and _FusedMatMul with transposeA/transposeB on WASM take a slow non-XNNPACK path
 * (~1.5 GFLOP/s against ~23 for the plain path). Dense-layer gradients always transpose one
 * side, so materialize the transpose (cheap, memory-bound) and call the plain path.
 *
 * The plain path packs its B operand (K x N) for each new B tensor, ~3.5x the cost of transposing
 * it, so a BatchMatMul asked for a transpose whose B is much larger than its A computes
 * C^T = B^T A^T instead and transposes the small result: the dense layer's input gradient dy W^T
 * (B = W, 9216 x 128 on the small CNN) costs 20 ms that way against 37 ms. Calls without a
 * transpose keep B as given: XNNPACK keeps the packing of a B it has seen (a teacher's weights).
 *
 * WASM 4.22's _FusedMatMul also adds the bias wrongly when the batch (leading) dimension is
 * above 1, and on its transposed path (measured: errors of order 1 against the CPU backend).
 * tfjs-layers' Dense always calls it with batch 1, but a fused matMul on 3-D tensors would be
 * silently wrong, so that case runs as plain BatchMatMul + Add + activation.
 */
import * as tf from '@tensorflow/tfjs';
import type { KernelScope } from './kernelScope';
import { withKernelScope } from './kernelScope';
import { shippedKernel } from './shippedKernels';

function swapLastTwo(rank: number): number[] {
  const perm = Array.from({ length: rank }, (_, i) => i);
  perm[rank - 2] = rank - 1;
  perm[rank - 1] = rank - 2;
  return perm;
}

function batchSize(a: tf.TensorInfo, b: tf.TensorInfo): number {
  const dims = tf.broadcast_util.assertAndGetBroadcastShape(a.shape.slice(0, -2), b.shape.slice(0, -2));
  return dims.reduce((p, d) => p * d, 1);
}

/** The activation _FusedMatMul would have fused, as the backend's own kernel. */
function applyActivation(scope: KernelScope, x: tf.TensorInfo, inputs: tf.NamedTensorInfoMap, attrs: tf.NamedAttrMap): tf.TensorInfo {
  const { activation, leakyreluAlpha } = attrs as { activation?: string; leakyreluAlpha?: number };
  switch (activation ?? 'linear') {
    case 'linear': return x;
    case 'relu': return scope.run('Relu', { x });
    case 'relu6': return scope.run('Relu6', { x });
    case 'elu': return scope.run('Elu', { x });
    case 'sigmoid': return scope.run('Sigmoid', { x });
    case 'leakyrelu': return scope.run('LeakyRelu', { x }, { alpha: leakyreluAlpha ?? 0.2 });
    case 'prelu': return scope.run('Prelu', { x, alpha: inputs.preluActivationWeights });
    default: throw new Error(`_FusedMatMul: activation '${String(activation)}' is not supported`);
  }
}

// Packing B for XNNPACK against transposing the same number of floats (measured on the small
// CNN's dense layer: 17 ms against 4.8 ms for 9216 x 128).
const PACK_COST = 3.5;

/** Whether C^T = B^T A^T (then one transpose of C) moves fewer floats than C = A B. */
export function cheaperSwapped(a: tf.TensorInfo, b: tf.TensorInfo, transposeA: boolean, transposeB: boolean): boolean {
  const [ra, rb] = [a.shape.length, b.shape.length];
  const m = transposeA ? a.shape[ra - 1] : a.shape[ra - 2];
  const k = transposeA ? a.shape[ra - 2] : a.shape[ra - 1];
  const n = transposeB ? b.shape[rb - 2] : b.shape[rb - 1];
  const direct = PACK_COST * k * n + (transposeA ? m * k : 0) + (transposeB ? k * n : 0);
  const swapped = PACK_COST * k * m + (transposeB ? 0 : k * n) + (transposeA ? 0 : m * k) + m * n;
  return swapped < direct;
}

function transposedMatMulConfig(kernelName: string, backendName: string): tf.KernelConfig {
  const fused = kernelName === tf._FusedMatMul;
  const kernelFunc: tf.KernelFunc = ({ inputs, backend, attrs }) => {
    const { transposeA, transposeB } = attrs as { transposeA: boolean; transposeB: boolean };
    const a = inputs.a as tf.TensorInfo;
    const b = inputs.b as tf.TensorInfo;
    const shipped = shippedKernel(kernelName, backendName);
    const biasIsSafe = !fused || inputs.bias == null || batchSize(a, b) === 1;
    if (!transposeA && !transposeB && biasIsSafe) return shipped({ inputs, backend, attrs });
    return withKernelScope(backend as tf.KernelBackend, backendName, (scope) => {
      if (!fused && cheaperSwapped(a, b, transposeA, transposeB)) {
        const plainBT = transposeB ? b : scope.transpose(b, swapLastTwo(b.shape.length));
        const plainAT = transposeA ? a : scope.transpose(a, swapLastTwo(a.shape.length));
        const productT = scope.run(tf.BatchMatMul, { a: plainBT, b: plainAT }, { ...attrs, transposeA: false, transposeB: false });
        return scope.transpose(productT, swapLastTwo(productT.shape.length));
      }
      const plainA = transposeA ? scope.transpose(a, swapLastTwo(a.shape.length)) : a;
      const plainB = transposeB ? scope.transpose(b, swapLastTwo(b.shape.length)) : b;
      const plainAttrs = { ...attrs, transposeA: false, transposeB: false };
      if (biasIsSafe) return shipped({ inputs: { ...inputs, a: plainA, b: plainB }, backend, attrs: plainAttrs }) as tf.TensorInfo;
      const product = scope.run(tf.BatchMatMul, { a: plainA, b: plainB }, plainAttrs);
      return applyActivation(scope, scope.run('Add', { a: product, b: inputs.bias }), inputs, attrs ?? {});
    });
  };
  return { kernelName, backendName, kernelFunc };
}

export function batchMatMulConfig(backendName: string): tf.KernelConfig {
  return transposedMatMulConfig(tf.BatchMatMul, backendName);
}

export function fusedMatMulConfig(backendName: string): tf.KernelConfig {
  return transposedMatMulConfig(tf._FusedMatMul, backendName);
}
