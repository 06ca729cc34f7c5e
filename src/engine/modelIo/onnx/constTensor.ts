/**
 * A tensor the importer knows at build time: an initializer, a Constant node, or a folded
 * Shape/Gather/Unsqueeze/Concat chain. Integer tensors are plain numbers, where NaN stands for
 * the batch size (unknown until run time) so that `Reshape(x, [N, -1])` chains fold.
 */
export interface ConstTensor {
  dims: number[];
  dtype: 'float' | 'int';
  data: Float32Array | number[];
}

/** The batch dimension inside folded shape tensors. */
export const BATCH = Number.NaN;

export function sizeOf(dims: readonly number[]): number {
  return dims.reduce((a, b) => a * b, 1);
}

export function intConst(values: number[], dims: number[] = [values.length]): ConstTensor {
  return { dims, dtype: 'int', data: values };
}

export function floatConst(values: Float32Array, dims: number[]): ConstTensor {
  return { dims, dtype: 'float', data: values };
}

export function asNumbers(c: ConstTensor): number[] {
  return Array.from(c.data as ArrayLike<number>);
}
