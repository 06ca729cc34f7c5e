/**
 * What each parameterless ONNX op computes, on tfjs tensors. ONNX_IMPL takes tensors in ONNX
 * layout (rank-4 tensors NCHW); NHWC_IMPL takes rank-4 tensors as the converted model stores them
 * (NHWC) and avoids transposes for the ops image classifiers use between convolutions.
 */
import * as tf from '@tensorflow/tfjs';
import type { Attrs } from './attributes';
import type { ConstTensor } from './constTensor';

export type OpFn = (xs: tf.Tensor[], attrs: Attrs) => tf.Tensor;

const LOWEST = -3.4028234663852886e38;

export function numAttr(attrs: Attrs, key: string, fallback: number): number {
  const v = attrs[key];
  return typeof v === 'number' ? v : fallback;
}
export function intsAttr(attrs: Attrs, key: string): number[] | undefined {
  const v = attrs[key];
  return Array.isArray(v) ? (v as number[]) : undefined;
}
export function strAttr(attrs: Attrs, key: string, fallback: string): string {
  const v = attrs[key];
  return typeof v === 'string' ? v : fallback;
}

const normAxis = (axis: number, rank: number) => (axis < 0 ? axis + rank : axis);
/** ONNX axis of a rank-4 NCHW tensor -> the same axis in NHWC. */
export const NHWC_AXIS = [0, 3, 1, 2];

function softmaxOnAxis(x: tf.Tensor, axis: number): tf.Tensor {
  if (axis === x.rank - 1) return tf.softmax(x);
  const perm = x.shape.map((_, i) => i);
  perm[axis] = x.rank - 1;
  perm[x.rank - 1] = axis;
  return tf.transpose(tf.softmax(tf.transpose(x, perm)), perm);
}

function softmax(x: tf.Tensor, attrs: Attrs): tf.Tensor {
  const opset = numAttr(attrs, '_opset', 13);
  const axis: number = normAxis(numAttr(attrs, 'axis', opset >= 13 ? -1 : 1), x.rank);
  if (opset >= 13) return softmaxOnAxis(x, axis);
  // Before opset 13: softmax over everything from `axis` on, as a 2-D [outer, inner] matrix.
  const outer = x.shape.slice(0, axis).reduce((a, b) => a * b, 1);
  return tf.reshape(tf.softmax(tf.reshape(x, [outer, -1])), x.shape);
}

function clip(x: tf.Tensor, attrs: Attrs): tf.Tensor {
  let y = x;
  if (typeof attrs.min === 'number') y = tf.maximum(y, attrs.min);
  if (typeof attrs.max === 'number') y = tf.minimum(y, attrs.max);
  return y === x ? tf.clone(x) : y;
}

function matMul(a: tf.Tensor, b: tf.Tensor): tf.Tensor {
  if (a.rank === 2 && b.rank === 2) return tf.matMul(a as tf.Tensor2D, b as tf.Tensor2D);
  if (b.rank === 2) {
    const k = a.shape[a.rank - 1];
    const flat = tf.matMul(tf.reshape(a, [-1, k]) as tf.Tensor2D, b as tf.Tensor2D);
    return tf.reshape(flat, [...a.shape.slice(0, -1), b.shape[1] as number]);
  }
  return tf.matMul(a, b);
}

interface PoolGeometry { kernel: number[]; strides: number[]; dilations: number[]; begin: number[]; end: number[]; extra: number[] }

/** Output size by ONNX/PyTorch rules, and the padding ceil_mode adds at the end of each axis. */
export function poolGeometry(attrs: Attrs, inSize: number[]): PoolGeometry {
  const kernel = intsAttr(attrs, 'kernel_shape') ?? [1, 1];
  const strides = intsAttr(attrs, 'strides') ?? kernel.map(() => 1);
  const dilations = intsAttr(attrs, 'dilations') ?? kernel.map(() => 1);
  const pads = intsAttr(attrs, 'pads') ?? [0, 0, 0, 0];
  const autoPad = strAttr(attrs, 'auto_pad', 'NOTSET');
  const ceil = numAttr(attrs, 'ceil_mode', 0) === 1;
  const begin: number[] = [], end: number[] = [], extra: number[] = [];
  inSize.forEach((n, i) => {
    const effective = (kernel[i] - 1) * dilations[i] + 1;
    let b = pads[i], e = pads[i + inSize.length];
    if (autoPad === 'VALID') b = e = 0;
    if (autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER') {
      const out = Math.ceil(n / strides[i]);
      const total = Math.max(0, (out - 1) * strides[i] + effective - n);
      b = autoPad === 'SAME_UPPER' ? Math.floor(total / 2) : Math.ceil(total / 2);
      e = total - b;
    }
    const span = n + b + e - effective;
    let out = (ceil ? Math.ceil(span / strides[i]) : Math.floor(span / strides[i])) + 1;
    // The last window must start inside the input or its leading padding (PyTorch's rule).
    if (ceil && (out - 1) * strides[i] >= n + b) out -= 1;
    begin.push(b);
    end.push(e);
    extra.push(Math.max(0, (out - 1) * strides[i] + effective - (n + b + e)));
  });
  return { kernel, strides, dilations, begin, end, extra };
}

function pad2d(t: tf.Tensor4D, rows: [number, number], cols: [number, number], value: number): tf.Tensor4D {
  return rows[0] + rows[1] + cols[0] + cols[1] === 0 ? t : tf.pad(t, [[0, 0], rows, cols, [0, 0]], value);
}

function pool(x: tf.Tensor4D, attrs: Attrs, kind: 'max' | 'avg'): tf.Tensor4D {
  const g = poolGeometry(attrs, [x.shape[1], x.shape[2]]);
  const [kh, kw] = g.kernel;
  const strides: [number, number] = [g.strides[0], g.strides[1]];
  const dilations: [number, number] = [g.dilations[0], g.dilations[1]];
  const run = (t: tf.Tensor4D, type: 'max' | 'avg') =>
    dilations[0] > 1 || dilations[1] > 1
      ? (tf.pool(t, [kh, kw], type, 'valid', dilations, strides) as tf.Tensor4D)
      : type === 'max' ? tf.maxPool(t, [kh, kw], strides, 'valid') : tf.avgPool(t, [kh, kw], strides, 'valid');
  const explicitRows: [number, number] = [g.begin[0], g.end[0]];
  const explicitCols: [number, number] = [g.begin[1], g.end[1]];
  const allRows: [number, number] = [g.begin[0], g.end[0] + g.extra[0]];
  const allCols: [number, number] = [g.begin[1], g.end[1] + g.extra[1]];
  if (kind === 'max') return run(pad2d(x, allRows, allCols, LOWEST), 'max');
  const means = run(pad2d(x, allRows, allCols, 0), 'avg');
  if (![...g.begin, ...g.end, ...g.extra].some((p) => p > 0)) return means;
  // Rescale to the cells that count: real ones, plus explicit padding when count_include_pad
  // (never the cells ceil_mode adds, as in PyTorch).
  const ones = tf.ones([1, x.shape[1], x.shape[2], 1]) as tf.Tensor4D;
  const mask = numAttr(attrs, 'count_include_pad', 0) === 1
    ? pad2d(pad2d(ones, explicitRows, explicitCols, 1), [0, g.extra[0]], [0, g.extra[1]], 0)
    : pad2d(ones, allRows, allCols, 0);
  return tf.div(means, run(mask, 'avg'));
}

function padNhwc(x: tf.Tensor, attrs: Attrs, layoutAxes: number[]): tf.Tensor {
  const pads = intsAttr(attrs, 'pads') ?? [];
  const r = x.rank;
  const paddings: [number, number][] = x.shape.map(() => [0, 0] as [number, number]);
  for (let i = 0; i < r; i++) paddings[layoutAxes[i]] = [pads[i] ?? 0, pads[i + r] ?? 0];
  const mode = strAttr(attrs, 'mode', 'constant');
  if (mode === 'reflect') return tf.mirrorPad(x, paddings, 'reflect');
  return tf.pad(x, paddings, numAttr(attrs, 'value', 0));
}

function toNchw(fn: OpFn): OpFn {
  return (xs, attrs) => tf.transpose(fn(xs.map((x) => (x.rank === 4 ? tf.transpose(x, [0, 2, 3, 1]) : x)), attrs), [0, 3, 1, 2]);
}

const unary: Record<string, OpFn> = {
  Relu: ([x]) => tf.relu(x),
  LeakyRelu: ([x], a) => tf.leakyRelu(x, numAttr(a, 'alpha', 0.01)),
  Sigmoid: ([x]) => tf.sigmoid(x),
  HardSigmoid: ([x], a) => tf.clipByValue(tf.add(tf.mul(x, numAttr(a, 'alpha', 0.2)), numAttr(a, 'beta', 0.5)), 0, 1),
  HardSwish: ([x]) => tf.mul(x, tf.clipByValue(tf.add(tf.div(x, 6), 0.5), 0, 1)),
  Clip: ([x], a) => clip(x, a),
  Identity: ([x]) => tf.clone(x),
  Dropout: ([x]) => tf.clone(x),
};
const binary: Record<string, OpFn> = {
  Add: ([a, b]) => tf.add(a, b),
  Sub: ([a, b]) => tf.sub(a, b),
  Mul: ([a, b]) => tf.mul(a, b),
  Div: ([a, b]) => tf.div(a, b),
};

/** Ops that are the same whatever the layout (elementwise); operands are aligned by the caller. */
export const ELEMENTWISE = new Set([...Object.keys(unary), ...Object.keys(binary)]);

const nhwcOnly: Record<string, OpFn> = {
  MaxPool: ([x], a) => pool(x as tf.Tensor4D, a, 'max'),
  AveragePool: ([x], a) => pool(x as tf.Tensor4D, a, 'avg'),
  GlobalAveragePool: ([x]) => tf.mean(x, [1, 2], true),
};

export const NHWC_IMPL: Record<string, OpFn> = {
  ...unary,
  ...binary,
  ...nhwcOnly,
  Concat: (xs, a) => tf.concat(xs, NHWC_AXIS[normAxis(numAttr(a, 'axis', 0), 4)]),
  Pad: ([x], a) => padNhwc(x, a, NHWC_AXIS),
};

export const ONNX_IMPL: Record<string, OpFn> = {
  ...unary,
  ...binary,
  MaxPool: toNchw(nhwcOnly.MaxPool),
  AveragePool: toNchw(nhwcOnly.AveragePool),
  GlobalAveragePool: toNchw(nhwcOnly.GlobalAveragePool),
  Concat: (xs, a) => tf.concat(xs, normAxis(numAttr(a, 'axis', 0), xs[0].rank)),
  Pad: ([x], a) => padNhwc(x, a, x.shape.map((_, i) => i)),
  Softmax: ([x], a) => softmax(x, a),
  Flatten: ([x], a) => {
    const axis = normAxis(numAttr(a, 'axis', 1), x.rank);
    const outer = x.shape.slice(0, axis).reduce((p, q) => p * q, 1);
    return tf.reshape(x, [outer, x.shape.slice(axis).reduce((p, q) => p * q, 1)]);
  },
  Reshape: ([x], a) => tf.reshape(x, (intsAttr(a, 'shape') ?? []).map((d, i) => (d === 0 ? x.shape[i] : d))),
  MatMul: ([a, b]) => matMul(a, b),
  Transpose: ([x], a) => tf.transpose(x, intsAttr(a, 'perm')),
  Slice: ([x], a) => {
    // begin/end/strides resolved at build time; endMask marks negative-step slices that run past index 0.
    const endMask = (intsAttr(a, 'endMask') ?? []).reduce((m, axis) => m | (1 << axis), 0);
    const size = (intsAttr(a, 'end') ?? []).map((e, i) => (e === -1 && ((endMask >> i) & 1) ? 0 : e));
    return tf.stridedSlice(x, intsAttr(a, 'begin') ?? [], size, intsAttr(a, 'strides') ?? [], 0, endMask);
  },
  Gather: ([x], a) => {
    const indices = a.indices as ConstTensor;
    const axis = normAxis(numAttr(a, 'axis', 0), x.rank);
    const n = x.shape[axis];
    const idx = tf.tensor(Array.from(indices.data as ArrayLike<number>, (i) => (i < 0 ? i + n : i)), indices.dims, 'int32');
    return tf.gather(x, idx, axis);
  },
  Unsqueeze: ([x], a) => {
    const axes = intsAttr(a, 'axes') ?? [];
    const rank = x.rank + axes.length;
    const inserted = new Set(axes.map((ax) => normAxis(ax, rank)));
    const shape: number[] = [];
    let next = 0;
    for (let i = 0; i < rank; i++) shape.push(inserted.has(i) ? 1 : x.shape[next++]);
    return tf.reshape(x, shape);
  },
  Squeeze: ([x], a) => {
    const axes = intsAttr(a, 'axes');
    return tf.squeeze(x, axes?.map((ax) => normAxis(ax, x.rank)));
  },
};
