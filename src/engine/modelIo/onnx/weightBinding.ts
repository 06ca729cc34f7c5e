/**
 * Which ONNX initializer each tfjs weight came from, and how to turn the (trained) tfjs weight
 * back into that initializer's layout: the writer puts new weights back where they were read.
 */
import * as tf from '@tensorflow/tfjs';

export type WeightLayout =
  | { kind: 'conv' } // ONNX [O, I, kh, kw] <-> tfjs [kh, kw, I, O]
  | { kind: 'depthwise'; multiplier: number } // ONNX [C*m, 1, kh, kw] <-> tfjs [kh, kw, C, m]
  | { kind: 'dense'; transposed: boolean; scale: number } // Gemm B (alpha folded in), MatMul B
  | { kind: 'vector'; scale: number }; // biases, BatchNorm scale/bias/mean/var (Gemm beta folded in)

export interface WeightBinding {
  initializer: string;
  layer: string;
  /** Index into layer.getWeights(). */
  weight: number;
  layout: WeightLayout;
  /** The initializer's dims as read, kept when the element count still matches. */
  onnxDims: number[];
}

/** tfjs layer weight from ONNX data (the caller disposes). */
export function toTfjsWeight(data: Float32Array, dims: number[], layout: WeightLayout): tf.Tensor {
  return tf.tidy(() => {
    const t = tf.tensor(data, dims, 'float32');
    switch (layout.kind) {
      case 'conv':
        return tf.transpose(t, [2, 3, 1, 0]);
      case 'depthwise': {
        const [outC, , kh, kw] = dims;
        return tf.transpose(tf.reshape(t, [outC / layout.multiplier, layout.multiplier, kh, kw]), [2, 3, 0, 1]);
      }
      case 'dense': {
        const k = layout.transposed ? tf.transpose(t) : t;
        return layout.scale === 1 ? k : tf.mul(k, layout.scale);
      }
      case 'vector': {
        const v = tf.reshape(t, [-1]);
        return layout.scale === 1 ? v : tf.mul(v, layout.scale);
      }
    }
  });
}

/** The inverse: ONNX dims and float32 values for a tfjs weight. */
export function toOnnxWeight(weight: tf.Tensor, binding: WeightBinding): { dims: number[]; data: Float32Array } {
  const t = tf.tidy(() => {
    const layout = binding.layout;
    switch (layout.kind) {
      case 'conv':
        return tf.transpose(weight, [3, 2, 0, 1]);
      case 'depthwise': {
        const [kh, kw, c, m] = weight.shape;
        return tf.reshape(tf.transpose(weight, [2, 3, 0, 1]), [c * m, 1, kh, kw]);
      }
      case 'dense': {
        const k = layout.scale === 1 ? weight : tf.div(weight, layout.scale);
        return layout.transposed ? tf.transpose(k) : tf.clone(k);
      }
      case 'vector':
        return layout.scale === 1 ? tf.clone(weight) : tf.div(weight, layout.scale);
    }
  });
  const data = t.dataSync() as Float32Array;
  const count = binding.onnxDims.reduce((a, b) => a * b, 1);
  const dims = count === t.size ? binding.onnxDims : t.shape.slice();
  t.dispose();
  return { dims, data };
}
