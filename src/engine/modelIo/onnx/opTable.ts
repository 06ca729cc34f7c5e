/**
 * The supported ONNX ops: for each, the attributes it understands, which inputs must be known when
 * the graph is built (weights, shapes, pads), and how it becomes tfjs layers. Trainable ops map
 * to built-in layers (Conv2D, DepthwiseConv2D, BatchNormalization, Dense) so the cleanser treats
 * them as it treats a TF.js model's; the rest become OnnxOpLayers or fold into constants.
 */
import * as tf from '@tensorflow/tfjs';
import type { Attrs } from './attributes';
import { constOf, symOf, type BuildContext, type Value } from './buildContext';
import { asNumbers, BATCH, intConst, sizeOf, type ConstTensor } from './constTensor';
import { intsAttr, numAttr, poolGeometry, strAttr } from './onnxOps';
import { arithmeticConst, castConst, concatConst, gatherConst, reshapeConst, sliceConst, squeezeConst, unsqueezeConst } from './shapeFolding';
import { toTfjsWeight } from './weightBinding';

export interface OpHandler {
  attrs: string[];
  /** Input slots that must be initializers or constants. */
  constSlots: number[];
  build(ctx: BuildContext): Value[];
}

const sym = (t: tf.SymbolicTensor | tf.SymbolicTensor[]): Value => ({ kind: 'sym', t: t as tf.SymbolicTensor });
const konst = (c: ConstTensor): Value => ({ kind: 'const', c });
const allConst = (ctx: BuildContext) => ctx.inputs.every((v) => !v || v.kind === 'const');
/** ONNX shape of a symbolic tensor (rank-4 ones are stored NHWC); the batch is BATCH. */
export function onnxShape(t: tf.SymbolicTensor): number[] {
  const s = t.shape.map((d) => (d == null ? BATCH : d));
  return s.length === 4 ? [s[0], s[3], s[1], s[2]] : s;
}

/** Hands a prepared tensor to Layer.addWeight, which keeps it as the variable (no copy). */
class ProvidedWeight extends tf.serialization.Serializable {
  static className = 'OnnxProvidedWeight';
  constructor(private readonly tensor: tf.Tensor) {
    super();
  }
  apply(shape: number[]): tf.Tensor {
    if (JSON.stringify(shape) !== JSON.stringify(this.tensor.shape)) {
      throw new Error(`weight of shape [${this.tensor.shape}] where the layer needs [${shape}]`);
    }
    return this.tensor;
  }
  getConfig(): tf.serialization.ConfigDict {
    return {};
  }
}

/**
 * Builds `layer` on `x` with its weights taken from `weights` (initializer field -> tensor), so the
 * variables are created once with the ONNX values instead of initialized and then overwritten.
 * The layer's own initializers are put back afterwards: its config (the TF.js copy) is unchanged.
 */
function applyWithWeights(layer: tf.layers.Layer, x: tf.SymbolicTensor, weights: [string, tf.Tensor][]): tf.SymbolicTensor {
  const fields = layer as unknown as Record<string, unknown>;
  const saved = weights.map(([field]) => fields[field]);
  weights.forEach(([field, tensor]) => (fields[field] = new ProvidedWeight(tensor)));
  try {
    return layer.apply(x) as tf.SymbolicTensor;
  } finally {
    weights.forEach(([field], i) => (fields[field] = saved[i]));
    tf.dispose(weights.map(([, t]) => t));
  }
}

function unaryOp(op: string, attrs: string[] = []): OpHandler {
  return { attrs, constSlots: [], build: (ctx) => [ctx.opLayer(op, ctx.attrs, [ctx.inputs[0] as Value])] };
}

function binaryOp(op: string): OpHandler {
  return {
    attrs: [],
    constSlots: [],
    build(ctx) {
      const [a, b] = ctx.inputs as Value[];
      if (a.kind === 'const' && b.kind === 'const' && a.c.dtype === 'int' && b.c.dtype === 'int') return [konst(arithmeticConst(op, a.c, b.c))];
      if (op === 'Add' && a.kind === 'sym' && b.kind === 'sym' && JSON.stringify(a.t.shape) === JSON.stringify(b.t.shape)) {
        return [sym(tf.layers.add({ name: ctx.layerName() }).apply([a.t, b.t]) as tf.SymbolicTensor)];
      }
      return [ctx.opLayer(op, {}, [a, b])];
    },
  };
}

/** Conv padding (explicit, or auto_pad from the static input size) as [top, bottom, left, right]. */
function convPads(ctx: BuildContext, x: tf.SymbolicTensor, kernel: number[]): number[] {
  const g = poolGeometry({ ...ctx.attrs, kernel_shape: kernel, ceil_mode: 0 }, [x.shape[1] as number, x.shape[2] as number]);
  return [g.begin[0], g.end[0], g.begin[1], g.end[1]];
}

const conv: OpHandler = {
  attrs: ['auto_pad', 'dilations', 'group', 'kernel_shape', 'pads', 'strides'],
  constSlots: [1, 2],
  build(ctx) {
    let x = symOf(ctx, 0);
    if (x.shape.length !== 4) ctx.unsupported(`input rank ${x.shape.length} (only 2-D convolutions on NCHW images)`);
    const w = constOf(ctx, 1);
    const bias = constOf(ctx, 2, true);
    const [outC, perGroup, kh, kw] = w.dims;
    const inC = x.shape[3] as number;
    const group = numAttr(ctx.attrs, 'group', 1);
    const strides = intsAttr(ctx.attrs, 'strides') ?? [1, 1];
    const dilations = intsAttr(ctx.attrs, 'dilations') ?? [1, 1];
    if (strides.some((s) => s > 1) && dilations.some((d) => d > 1)) ctx.unsupported('attribute dilations > 1 together with strides > 1 (tfjs cannot do both)');
    const depthwise = group > 1 && group === inC && perGroup === 1 && outC % inC === 0;
    if (group !== 1 && !depthwise) ctx.unsupported(`attribute group=${group} with ${inC} input channels (only group=1 or depthwise group=channels)`);
    const [top, bottom, left, right] = convPads(ctx, x, [kh, kw]);
    if (top + bottom + left + right > 0) {
      x = tf.layers.zeroPadding2d({ padding: [[top, bottom], [left, right]], name: ctx.layerName('pad') }).apply(x) as tf.SymbolicTensor;
    }
    const common = {
      kernelSize: [kh, kw] as [number, number], strides: strides as [number, number], dilationRate: dilations as [number, number], padding: 'valid' as const, useBias: bias != null,
      name: ctx.layerName(), kernelInitializer: 'zeros' as const, biasInitializer: 'zeros' as const,
    };
    const layer = depthwise
      ? tf.layers.depthwiseConv2d({ ...common, depthMultiplier: outC / inC, depthwiseInitializer: 'zeros' })
      : tf.layers.conv2d({ ...common, filters: outC });
    const layout = depthwise ? { kind: 'depthwise' as const, multiplier: outC / inC } : { kind: 'conv' as const };
    const weights: [string, tf.Tensor][] = [[depthwise ? 'depthwiseInitializer' : 'kernelInitializer', toTfjsWeight(w.data as Float32Array, w.dims, layout)]];
    if (bias) weights.push(['biasInitializer', toTfjsWeight(bias.data as Float32Array, bias.dims, { kind: 'vector', scale: 1 })]);
    const y = applyWithWeights(layer, x, weights);
    ctx.bind(1, layer, 0, layout);
    if (bias) ctx.bind(2, layer, 1, { kind: 'vector', scale: 1 });
    return [sym(y)];
  },
};

const batchNorm: OpHandler = {
  attrs: ['epsilon', 'momentum', 'spatial', 'training_mode'],
  constSlots: [1, 2, 3, 4],
  build(ctx) {
    const x = symOf(ctx, 0);
    if (numAttr(ctx.attrs, 'training_mode', 0) !== 0 || ctx.node.output.filter((o) => o).length > 1) {
      ctx.unsupported('attribute training_mode=1 (export the model in eval mode: model.eval() before torch.onnx.export)');
    }
    if (numAttr(ctx.attrs, 'spatial', 1) !== 1) ctx.unsupported('attribute spatial=0');
    const rank = x.shape.length;
    const layer = tf.layers.batchNormalization({
      axis: rank === 4 ? 3 : 1,
      epsilon: numAttr(ctx.attrs, 'epsilon', 1e-5),
      momentum: numAttr(ctx.attrs, 'momentum', 0.9),
      name: ctx.layerName(),
    });
    const fields = ['gammaInitializer', 'betaInitializer', 'movingMeanInitializer', 'movingVarianceInitializer'];
    const y = applyWithWeights(layer, x, [1, 2, 3, 4].map((slot, i) => {
      const p = constOf(ctx, slot);
      return [fields[i], toTfjsWeight(p.data as Float32Array, p.dims, { kind: 'vector', scale: 1 })];
    }));
    [1, 2, 3, 4].forEach((slot, i) => ctx.bind(slot, layer, i, { kind: 'vector', scale: 1 }));
    return [sym(y)];
  },
};

function dense(ctx: BuildContext, x: tf.SymbolicTensor, b: ConstTensor, transposed: boolean, alpha: number, bias?: { c: ConstTensor; beta: number }): tf.SymbolicTensor {
  if (b.dims.length !== 2) ctx.unsupported(`a rank-${b.dims.length} weight (only 2-D)`);
  const units = transposed ? b.dims[0] : b.dims[1];
  let biasValues: Float32Array | undefined;
  if (bias) {
    const n = sizeOf(bias.c.dims);
    if (n !== units && n !== 1) ctx.unsupported(`input C of shape [${bias.c.dims.join(',')}] (a bias must have 1 or ${units} values)`);
    biasValues = n === units ? (bias.c.data as Float32Array) : new Float32Array(units).fill((bias.c.data as Float32Array)[0]);
  }
  const layer = tf.layers.dense({ units, useBias: bias != null, name: ctx.layerName(), kernelInitializer: 'zeros' });
  const kernelLayout = { kind: 'dense' as const, transposed, scale: alpha };
  const weights: [string, tf.Tensor][] = [['kernelInitializer', toTfjsWeight(b.data as Float32Array, b.dims, kernelLayout)]];
  if (bias && biasValues) weights.push(['biasInitializer', toTfjsWeight(biasValues, [units], { kind: 'vector', scale: bias.beta })]);
  const y = applyWithWeights(layer, x, weights);
  ctx.bind(1, layer, 0, kernelLayout);
  if (bias) ctx.bind(2, layer, 1, { kind: 'vector', scale: bias.beta });
  return y;
}

const gemm: OpHandler = {
  attrs: ['alpha', 'beta', 'transA', 'transB'],
  constSlots: [1, 2],
  build(ctx) {
    const a = symOf(ctx, 0);
    if (a.shape.length !== 2) ctx.unsupported(`input A of rank ${a.shape.length} (Gemm takes [batch, features])`);
    if (numAttr(ctx.attrs, 'transA', 0) !== 0) ctx.unsupported('attribute transA=1 (the batch must be the first axis of A)');
    const b = constOf(ctx, 1);
    const c = constOf(ctx, 2, true);
    const bias = c ? { c, beta: numAttr(ctx.attrs, 'beta', 1) } : undefined;
    return [sym(dense(ctx, a, b, numAttr(ctx.attrs, 'transB', 0) === 1, numAttr(ctx.attrs, 'alpha', 1), bias))];
  },
};

const matMul: OpHandler = {
  attrs: [],
  constSlots: [],
  build(ctx) {
    const [a, b] = ctx.inputs as Value[];
    if (a.kind === 'sym' && b.kind === 'const' && b.c.dims.length === 2 && b.c.dtype === 'float') {
      if (a.t.shape.length !== 4) return [sym(dense(ctx, a.t, b.c, false, 1))];
      const nchw = tf.layers.permute({ dims: [3, 1, 2], name: ctx.layerName('to_nchw') }).apply(a.t) as tf.SymbolicTensor;
      const y = dense(ctx, nchw, b.c, false, 1);
      return [sym(tf.layers.permute({ dims: [2, 3, 1], name: ctx.layerName('to_nhwc') }).apply(y) as tf.SymbolicTensor)];
    }
    return [ctx.opLayer('MatMul', {}, [a, b])];
  },
};

/** Clip's bounds were attributes before opset 11 and inputs since. */
const clip: OpHandler = {
  attrs: ['min', 'max'],
  constSlots: [1, 2],
  build(ctx) {
    const attrs: Attrs = {};
    const min = ctx.opset >= 11 ? constOf(ctx, 1, true) : undefined;
    const max = ctx.opset >= 11 ? constOf(ctx, 2, true) : undefined;
    const lo = min ? asNumbers(min)[0] : (ctx.attrs.min as number | undefined);
    const hi = max ? asNumbers(max)[0] : (ctx.attrs.max as number | undefined);
    if (lo != null) attrs.min = lo;
    if (hi != null) attrs.max = hi;
    const x = ctx.inputs[0] as Value;
    if (x.kind === 'sym' && lo === 0 && hi != null && hi > 0) {
      // ReLU6 and friends: tfjs's own layer.
      return [sym(tf.layers.reLU({ maxValue: hi, name: ctx.layerName() }).apply(x.t) as tf.SymbolicTensor)];
    }
    return [ctx.opLayer('Clip', attrs, [x])];
  },
};

const pad: OpHandler = {
  attrs: ['mode', 'pads', 'value'],
  constSlots: [1, 2, 3],
  build(ctx) {
    const mode = strAttr(ctx.attrs, 'mode', 'constant');
    if (mode !== 'constant' && mode !== 'reflect') ctx.unsupported(`attribute mode="${mode}" (constant and reflect are supported)`);
    const pads = ctx.opset >= 11 ? asNumbers(constOf(ctx, 1)) : intsAttr(ctx.attrs, 'pads') ?? [];
    if (pads.some((p) => p < 0)) ctx.unsupported('negative pads (cropping)');
    if (ctx.inputs[3]) ctx.unsupported('input axes');
    const value = ctx.opset >= 11 ? constOf(ctx, 2, true) : undefined;
    const attrs: Attrs = { mode, pads, value: value ? asNumbers(value)[0] : numAttr(ctx.attrs, 'value', 0) };
    return [ctx.opLayer('Pad', attrs, [ctx.inputs[0] as Value])];
  },
};

function poolOp(op: 'MaxPool' | 'AveragePool'): OpHandler {
  return {
    attrs: ['auto_pad', 'ceil_mode', 'dilations', 'kernel_shape', 'pads', 'strides', ...(op === 'MaxPool' ? ['storage_order'] : ['count_include_pad'])],
    constSlots: [],
    build(ctx) {
      const x = symOf(ctx, 0);
      if (x.shape.length !== 4) ctx.unsupported(`input rank ${x.shape.length} (only 2-D pooling on NCHW images)`);
      if (ctx.node.output.filter((o) => o).length > 1) ctx.unsupported('output Indices');
      if (numAttr(ctx.attrs, 'storage_order', 0) !== 0) ctx.unsupported('attribute storage_order=1');
      const strides = intsAttr(ctx.attrs, 'strides') ?? [1, 1];
      const dilations = intsAttr(ctx.attrs, 'dilations') ?? [1, 1];
      if (dilations.some((d) => d > 1) && strides.some((s) => s > 1)) ctx.unsupported('attribute dilations > 1 together with strides > 1');
      return [ctx.opLayer(op, ctx.attrs, [{ kind: 'sym', t: x }])];
    },
  };
}

const softmax: OpHandler = {
  attrs: ['axis'],
  constSlots: [],
  build(ctx) {
    const x = ctx.inputs[0] as Value;
    const rank = x.kind === 'sym' ? x.t.shape.length : x.c.dims.length;
    const axis = numAttr(ctx.attrs, 'axis', ctx.opset >= 13 ? -1 : 1);
    if (x.kind === 'sym' && rank === 2 && (axis === 1 || axis === -1)) {
      return [sym(tf.layers.softmax({ axis: -1, name: ctx.layerName() }).apply(x.t) as tf.SymbolicTensor)];
    }
    return [ctx.opLayer('Softmax', { axis, _opset: ctx.opset }, [x])];
  },
};

const reshape: OpHandler = {
  attrs: ['allowzero'],
  constSlots: [1],
  build(ctx) {
    const x = ctx.inputs[0] as Value;
    const allowZero = numAttr(ctx.attrs, 'allowzero', 0) === 1;
    const shape = asNumbers(constOf(ctx, 1));
    if (x.kind === 'const') return [konst(reshapeConst(x.c, shape, allowZero))];
    if (allowZero && shape.includes(0)) ctx.unsupported('attribute allowzero=1 with a zero in the shape (empty tensors)');
    if (shape.some((d, i) => Number.isNaN(d) && i !== 0)) ctx.unsupported('a shape that moves the batch dimension');
    // NaN (the batch) and 0 both copy the input's dimension at that position.
    return [ctx.opLayer('Reshape', { shape: shape.map((d) => (Number.isNaN(d) ? 0 : d)) }, [x])];
  },
};

const shape: OpHandler = {
  attrs: ['end', 'start'],
  constSlots: [],
  build(ctx) {
    const x = ctx.inputs[0] as Value;
    const dims = x.kind === 'sym' ? onnxShape(x.t) : x.c.dims;
    const n = dims.length;
    const norm = (i: number) => Math.min(Math.max(i < 0 ? i + n : i, 0), n);
    return [konst(intConst(dims.slice(norm(numAttr(ctx.attrs, 'start', 0)), norm(numAttr(ctx.attrs, 'end', n)))))];
  },
};

/** Axes: an attribute before opset 13, an input since. */
function axesOf(ctx: BuildContext): number[] | undefined {
  if (ctx.opset >= 13) {
    const c = constOf(ctx, 1, true);
    return c ? asNumbers(c) : undefined;
  }
  return intsAttr(ctx.attrs, 'axes');
}

const unsqueeze: OpHandler = {
  attrs: ['axes'],
  constSlots: [1],
  build(ctx) {
    const x = ctx.inputs[0] as Value;
    const axes = axesOf(ctx) ?? ctx.unsupported('no axes');
    if (x.kind === 'const') return [konst(unsqueezeConst(x.c, axes))];
    return [ctx.opLayer('Unsqueeze', { axes }, [x])];
  },
};

const squeeze: OpHandler = {
  attrs: ['axes'],
  constSlots: [1],
  build(ctx) {
    const x = ctx.inputs[0] as Value;
    const axes = axesOf(ctx);
    if (x.kind === 'const') return [konst(squeezeConst(x.c, axes))];
    return [ctx.opLayer('Squeeze', axes ? { axes } : {}, [x])];
  },
};

const gather: OpHandler = {
  attrs: ['axis'],
  constSlots: [1],
  build(ctx) {
    const x = ctx.inputs[0] as Value;
    const indices = constOf(ctx, 1);
    const axis = numAttr(ctx.attrs, 'axis', 0);
    if (x.kind === 'const') return [konst(gatherConst(x.c, indices, axis))];
    return [ctx.opLayer('Gather', { axis, indices: { dims: indices.dims, dtype: 'int', data: asNumbers(indices) } }, [x])];
  },
};

const concat: OpHandler = {
  attrs: ['axis'],
  constSlots: [],
  build(ctx) {
    const values = ctx.inputs.filter((v): v is Value => v != null);
    const axis = numAttr(ctx.attrs, 'axis', 0);
    if (values.every((v) => v.kind === 'const')) return [konst(concatConst(values.map((v) => (v as { c: ConstTensor }).c), axis))];
    return [ctx.opLayer('Concat', { axis }, values)];
  },
};

const constant: OpHandler = {
  attrs: ['value', 'value_float', 'value_floats', 'value_int', 'value_ints'],
  constSlots: [],
  build(ctx) {
    const a = ctx.attrs;
    if (a.value && typeof a.value === 'object' && !Array.isArray(a.value)) return [konst(a.value)];
    if (typeof a.value_float === 'number') return [konst({ dims: [], dtype: 'float', data: Float32Array.of(a.value_float) })];
    if (Array.isArray(a.value_floats)) return [konst({ dims: [a.value_floats.length], dtype: 'float', data: Float32Array.from(a.value_floats as number[]) })];
    if (typeof a.value_int === 'number') return [konst(intConst([a.value_int], []))];
    if (Array.isArray(a.value_ints)) return [konst(intConst(a.value_ints as number[]))];
    return ctx.unsupported('a value of a kind other than tensor, float(s) or int(s)');
  },
};

const constantOfShape: OpHandler = {
  attrs: ['value'],
  constSlots: [0],
  build(ctx) {
    const dims = asNumbers(constOf(ctx, 0));
    if (dims.some((d) => !Number.isInteger(d))) ctx.unsupported('a shape that depends on the batch size');
    const v = ctx.attrs.value as ConstTensor | undefined;
    const fill = v ? asNumbers(v)[0] : 0;
    const isFloat = !v || v.dtype === 'float';
    const n = sizeOf(dims);
    return [konst(isFloat ? { dims, dtype: 'float', data: new Float32Array(n).fill(fill) } : intConst(new Array(n).fill(fill), dims))];
  },
};

const cast: OpHandler = {
  attrs: ['to', 'saturate'],
  constSlots: [],
  build(ctx) {
    const x = ctx.inputs[0] as Value;
    const to = numAttr(ctx.attrs, 'to', 1);
    const toFloat = to === 1 || to === 11 || to === 10;
    if (x.kind === 'const') return [konst(castConst(x.c, toFloat))];
    if (!toFloat) ctx.unsupported(`attribute to=${to} on a tensor computed from the image (only float casts)`);
    return [x];
  },
};

const slice: OpHandler = {
  attrs: ['axes', 'ends', 'starts'],
  constSlots: [1, 2, 3, 4],
  build(ctx) {
    const v = ctx.inputs[0] as Value;
    const read = (slot: number, attr: string) => (ctx.opset >= 10 ? (ctx.inputs[slot] ? asNumbers(constOf(ctx, slot)) : undefined) : intsAttr(ctx.attrs, attr));
    const starts = read(1, 'starts') ?? [];
    const ends = read(2, 'ends') ?? [];
    const axes = read(3, 'axes');
    const steps = ctx.opset >= 10 ? read(4, '') : undefined;
    if (v.kind === 'sym') {
      const rank = v.t.shape.length;
      const dims = onnxShape(v.t);
      const axisList = (axes ?? starts.map((_, i) => i)).map((a) => (a < 0 ? a + rank : a));
      if (axisList.includes(0) && Number.isNaN(dims[0])) ctx.unsupported('a slice along the batch axis');
      const begin = dims.map(() => 0), end = dims.slice(), stride = dims.map(() => 1);
      const endPastStart: number[] = [];
      axisList.forEach((axis, i) => {
        const n = dims[axis], step = steps?.[i] ?? 1;
        if (step === 0) ctx.unsupported('a zero step');
        const clampTo = (x: number, lo: number, hi: number) => Math.min(Math.max(x < 0 ? x + n : x, lo), hi);
        begin[axis] = step > 0 ? clampTo(starts[i], 0, n) : clampTo(starts[i], 0, n - 1);
        end[axis] = step > 0 ? clampTo(ends[i], 0, n) : clampTo(ends[i], -1, n - 1);
        stride[axis] = step;
        if (step < 0 && end[axis] === -1) endPastStart.push(axis);
      });
      return [ctx.opLayer('Slice', { begin, end, strides: stride, endMask: endPastStart }, [v])];
    }
    try {
      return [konst(sliceConst(v.c, starts, ends, axes, steps))];
    } catch (error) {
      return ctx.unsupported(`a slice of a ${v.c.dims.length}-D constant (${(error as Error).message})`);
    }
  },
};

const passThrough = (attrs: string[]): OpHandler => ({
  attrs,
  constSlots: [],
  build(ctx) {
    if (ctx.node.output.filter((o) => o).length > 1) ctx.unsupported('a second output (the dropout mask)');
    return [ctx.inputs[0] as Value];
  },
});

export const OP_TABLE: Record<string, OpHandler> = {
  Conv: conv,
  BatchNormalization: batchNorm,
  Relu: {
    attrs: [],
    constSlots: [],
    build: (ctx) => {
      const x = ctx.inputs[0] as Value;
      return x.kind === 'sym' ? [sym(tf.layers.reLU({ name: ctx.layerName() }).apply(x.t) as tf.SymbolicTensor)] : [ctx.opLayer('Relu', {}, [x])];
    },
  },
  LeakyRelu: {
    attrs: ['alpha'],
    constSlots: [],
    build: (ctx) => {
      const x = ctx.inputs[0] as Value;
      const alpha = numAttr(ctx.attrs, 'alpha', 0.01);
      return x.kind === 'sym' ? [sym(tf.layers.leakyReLU({ alpha, name: ctx.layerName() }).apply(x.t) as tf.SymbolicTensor)] : [ctx.opLayer('LeakyRelu', { alpha }, [x])];
    },
  },
  Clip: clip,
  Sigmoid: unaryOp('Sigmoid'),
  HardSigmoid: unaryOp('HardSigmoid', ['alpha', 'beta']),
  HardSwish: unaryOp('HardSwish'),
  Add: binaryOp('Add'),
  Sub: binaryOp('Sub'),
  Mul: binaryOp('Mul'),
  Div: binaryOp('Div'),
  Concat: concat,
  MaxPool: poolOp('MaxPool'),
  AveragePool: poolOp('AveragePool'),
  GlobalAveragePool: unaryOp('GlobalAveragePool'),
  Flatten: unaryOp('Flatten', ['axis']),
  Reshape: reshape,
  Gemm: gemm,
  MatMul: matMul,
  Dropout: { ...passThrough(['ratio', 'seed', 'is_test']), constSlots: [1, 2] },
  Identity: passThrough([]),
  Pad: pad,
  Softmax: softmax,
  Transpose: unaryOp('Transpose', ['perm']),
  Shape: shape,
  Gather: gather,
  Unsqueeze: unsqueeze,
  Squeeze: squeeze,
  Constant: constant,
  ConstantOfShape: constantOfShape,
  Cast: cast,
  Slice: slice,
};

export const SUPPORTED_OPS = Object.keys(OP_TABLE).sort();
