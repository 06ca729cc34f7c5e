/**
 * Build-time evaluation of the integer shape arithmetic torch.onnx.export emits around Flatten
 * and Reshape (Shape -> Gather -> Unsqueeze -> Concat -> Reshape), on plain number arrays where
 * NaN (BATCH) is the batch size. The same functions fold float constants that merely move data.
 */
import { asNumbers, sizeOf, type ConstTensor } from './constTensor';

const normAxis = (axis: number, rank: number) => (axis < 0 ? axis + rank : axis);

function withData(c: ConstTensor, dims: number[], values: number[]): ConstTensor {
  return { dims, dtype: c.dtype, data: c.dtype === 'float' ? Float32Array.from(values) : values };
}

export function gatherConst(c: ConstTensor, indices: ConstTensor, axisAttr: number): ConstTensor {
  const axis = normAxis(axisAttr, c.dims.length);
  const values = asNumbers(c);
  const idx = asNumbers(indices).map((i) => (i < 0 ? i + c.dims[axis] : i));
  const outer = sizeOf(c.dims.slice(0, axis));
  const inner = sizeOf(c.dims.slice(axis + 1));
  const out: number[] = [];
  for (let o = 0; o < outer; o++) {
    for (const i of idx) {
      if (!(i >= 0 && i < c.dims[axis])) throw new Error(`index ${i} out of range`);
      const base = (o * c.dims[axis] + i) * inner;
      for (let k = 0; k < inner; k++) out.push(values[base + k]);
    }
  }
  return withData(c, [...c.dims.slice(0, axis), ...indices.dims, ...c.dims.slice(axis + 1)], out);
}

export function unsqueezeConst(c: ConstTensor, axes: number[]): ConstTensor {
  const rank = c.dims.length + axes.length;
  const inserted = new Set(axes.map((a) => normAxis(a, rank)));
  const dims: number[] = [];
  let next = 0;
  for (let i = 0; i < rank; i++) dims.push(inserted.has(i) ? 1 : c.dims[next++]);
  return { ...c, dims };
}

export function squeezeConst(c: ConstTensor, axes: number[] | undefined): ConstTensor {
  const drop = new Set(axes ? axes.map((a) => normAxis(a, c.dims.length)) : c.dims.flatMap((d, i) => (d === 1 ? [i] : [])));
  return { ...c, dims: c.dims.filter((_, i) => !drop.has(i)) };
}

export function concatConst(cs: ConstTensor[], axisAttr: number): ConstTensor {
  const rank = cs[0].dims.length;
  const axis = normAxis(axisAttr, rank);
  const outer = sizeOf(cs[0].dims.slice(0, axis));
  const out: number[] = [];
  const parts = cs.map((c) => ({ values: asNumbers(c), chunk: sizeOf(c.dims.slice(axis)) }));
  for (let o = 0; o < outer; o++) for (const p of parts) for (let k = 0; k < p.chunk; k++) out.push(p.values[o * p.chunk + k]);
  const dims = cs[0].dims.slice();
  dims[axis] = cs.reduce((sum, c) => sum + c.dims[axis], 0);
  const dtype = cs.every((c) => c.dtype === 'int') ? 'int' : 'float';
  return withData({ ...cs[0], dtype }, dims, out);
}

/** Reshape with ONNX's 0 (copy) and -1 (infer); NaN (the batch) is kept. */
export function reshapeConst(c: ConstTensor, shape: number[], allowZero: boolean): ConstTensor {
  const dims = shape.map((d, i) => (d === 0 && !allowZero ? c.dims[i] : d));
  const known = dims.filter((d) => d !== -1).reduce((a, b) => a * b, 1);
  const total = sizeOf(c.dims);
  return { ...c, dims: dims.map((d) => (d === -1 ? total / known : d)) };
}

export function sliceConst(c: ConstTensor, starts: number[], ends: number[], axes?: number[], steps?: number[]): ConstTensor {
  if (c.dims.length !== 1) throw new Error('only 1-D constants are sliced at build time');
  const n = c.dims[0];
  if (axes && axes.some((a) => normAxis(a, 1) !== 0)) throw new Error('axis out of range');
  const step = steps?.[0] ?? 1;
  const clampIdx = (i: number, lo: number, hi: number) => Math.min(Math.max(i < 0 ? i + n : i, lo), hi);
  const values = asNumbers(c);
  const out: number[] = [];
  if (step > 0) for (let i = clampIdx(starts[0], 0, n); i < clampIdx(ends[0], 0, n); i += step) out.push(values[i]);
  else for (let i = clampIdx(starts[0], -1, n - 1); i > clampIdx(ends[0], -1, n - 1); i += step) out.push(values[i]);
  return withData(c, [out.length], out);
}

/** Elementwise integer arithmetic on shape values (NaN propagates: the batch stays unknown). */
export function arithmeticConst(op: string, a: ConstTensor, b: ConstTensor): ConstTensor {
  const x = asNumbers(a), y = asNumbers(b);
  const n = Math.max(x.length, y.length);
  if (!(x.length === n || x.length === 1) || !(y.length === n || y.length === 1)) throw new Error('shapes do not broadcast');
  const f: Record<string, (p: number, q: number) => number> = {
    Add: (p, q) => p + q, Sub: (p, q) => p - q, Mul: (p, q) => p * q, Div: (p, q) => Math.trunc(p / q),
  };
  const out = Array.from({ length: n }, (_, i) => f[op](x[x.length === 1 ? 0 : i], y[y.length === 1 ? 0 : i]));
  return { dims: (x.length >= y.length ? a : b).dims, dtype: 'int', data: out };
}

export function castConst(c: ConstTensor, toFloat: boolean): ConstTensor {
  return toFloat ? { dims: c.dims, dtype: 'float', data: Float32Array.from(asNumbers(c)) } : { dims: c.dims, dtype: 'int', data: asNumbers(c).map(Math.trunc) };
}

