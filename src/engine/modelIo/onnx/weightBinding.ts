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

/** Permutes a row-major array in JS (one copy; a tf.transpose would hold two on the backend). */
function permute(data: Float32Array, dims: number[], perm: number[], scale: number): { data: Float32Array; dims: number[] } {
  const outDims = perm.map((p) => dims[p]);
  const inStrides = dims.map((_, i) => dims.slice(i + 1).reduce((a, b) => a * b, 1));
  const stepOf = perm.map((p) => inStrides[p]);
  const out = new Float32Array(data.length);
  const index = new Array(outDims.length).fill(0);
  let source = 0;
  for (let o = 0; o < out.length; o++) {
    out[o] = data[source] * scale;
    // Advance the output index like an odometer, moving `source` along the input strides.
    for (let axis = outDims.length - 1; axis >= 0; axis--) {
      index[axis]++;
      source += stepOf[axis];
      if (index[axis] < outDims[axis]) break;
      source -= stepOf[axis] * outDims[axis];
      index[axis] = 0;
    }
  }
  return { data: out, dims: outDims };
}

/** tfjs layer weight from ONNX data (the caller disposes). */
export function toTfjsWeight(data: Float32Array, dims: number[], layout: WeightLayout): tf.Tensor {
  switch (layout.kind) {
    case 'conv': {
      const p = permute(data, dims, [2, 3, 1, 0], 1);
      return tf.tensor(p.data, p.dims, 'float32');
    }
    case 'depthwise': {
      const [outC, , kh, kw] = dims;
      const p = permute(data, [outC / layout.multiplier, layout.multiplier, kh, kw], [2, 3, 0, 1], 1);
      return tf.tensor(p.data, p.dims, 'float32');
    }
    case 'dense': {
      const p = layout.transposed ? permute(data, dims, [1, 0], layout.scale) : permute(data, dims, [0, 1], layout.scale);
      return tf.tensor(p.data, p.dims, 'float32');
    }
    case 'vector':
      return tf.tensor(layout.scale === 1 ? data : data.map((v) => v * layout.scale), [data.length], 'float32');
  }
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
