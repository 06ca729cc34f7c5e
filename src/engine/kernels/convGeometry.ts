/**
 * Geometry shared by the convolution gradients expressed as forward convolutions: which rows
 * and columns of the input the forward pass actually read, and how to pad the upstream
 * gradient so that a stride-1 convolution reproduces the transposed convolution.
 * Only channels-last (NHWC) and dilation 1 in the forward pass, as tfjs's own gradients require.
 */
import * as tf from '@tensorflow/tfjs';
import type { KernelScope } from './kernelScope';

export type Conv2DInfo = ReturnType<typeof tf.backend_util.computeConv2DInfo>;
type ExplicitPad = [[number, number], [number, number], [number, number], [number, number]];

/**
 * For the filter gradient: the input cropped to the rows/columns the forward pass used, and the
 * explicit padding that completes it to exactly `(out - 1) * stride + filter` rows/columns.
 * Every output position then sees exactly the input window it saw in the forward pass.
 */
export function cropInputToUsedWindow(
  scope: KernelScope,
  x: tf.TensorInfo,
  info: Conv2DInfo,
): { x: tf.TensorInfo; pad: ExplicitPad } {
  const [n, h, w, c] = x.shape;
  const rowsUsed = (info.outHeight - 1) * info.strideHeight + info.filterHeight;
  const colsUsed = (info.outWidth - 1) * info.strideWidth + info.filterWidth;
  const top = info.padInfo.top;
  const left = info.padInfo.left;
  const keptRows = Math.min(h, rowsUsed - top);
  const keptCols = Math.min(w, colsUsed - left);
  if (keptRows <= 0 || keptCols <= 0) {
    throw new Error(`convolution gradient: the forward pass read no input (padding ${top}/${left} too large)`);
  }
  const cropped = keptRows < h || keptCols < w ? scope.slice(x, [0, 0, 0, 0], [n, keptRows, keptCols, c]) : x;
  return {
    x: cropped,
    pad: [[0, 0], [top, rowsUsed - top - keptRows], [left, colsUsed - left - keptCols], [0, 0]],
  };
}

/** How a transposed convolution maps onto a stride-1 convolution of the spread gradient. */
export interface TransposedConvPlan {
  /** Height and width of the upstream gradient after zero insertion (and trimming). */
  rows: number;
  cols: number;
  pad: ExplicitPad;
}

/**
 * For the input gradient: inserting (stride - 1) zeros after each upstream-gradient pixel and
 * padding by `pad` lets a stride-1 convolution with the 180-degree rotated filter produce a
 * gradient of the forward input's height and width. Null when the forward padding cannot be
 * expressed that way (explicit pads wider than the filter): callers use the shipped kernel.
 */
export function planTransposedConv(info: Conv2DInfo, dyShape: number[]): TransposedConvPlan | null {
  const [, ho, wo] = dyShape;
  const padTop = info.filterHeight - 1 - info.padInfo.top;
  const padLeft = info.filterWidth - 1 - info.padInfo.left;
  // Zero insertion by pad-and-reshape leaves (stride - 1) trailing zeros; count them here.
  const spreadRows = ho * info.strideHeight;
  const spreadCols = wo * info.strideWidth;
  const padBottom = info.inHeight + info.filterHeight - 1 - padTop - spreadRows;
  const padRight = info.inWidth + info.filterWidth - 1 - padLeft - spreadCols;
  if (padTop < 0 || padLeft < 0 || padBottom < 1 - info.strideHeight || padRight < 1 - info.strideWidth) return null;
  // A negative bottom/right pad only trims trailing zeros the convolution would not read.
  return {
    rows: spreadRows + Math.min(0, padBottom),
    cols: spreadCols + Math.min(0, padRight),
    pad: [[0, 0], [padTop, Math.max(0, padBottom)], [padLeft, Math.max(0, padRight)], [0, 0]],
  };
}

/** The upstream gradient [N,Ho,Wo,C] with (stride - 1) zeros after each pixel, trimmed to the plan. */
export function spreadUpstreamGradient(
  scope: KernelScope,
  dy: tf.TensorInfo,
  info: Conv2DInfo,
  plan: TransposedConvPlan,
): tf.TensorInfo {
  const [n, ho, wo, c] = dy.shape;
  const sh = info.strideHeight;
  const sw = info.strideWidth;
  let spread = dy;
  if (sh > 1 || sw > 1) {
    const padded = scope.run(
      'PadV2',
      { x: scope.reshape(dy, [n, ho, 1, wo, 1, c]) },
      { paddings: [[0, 0], [0, 0], [0, sh - 1], [0, 0], [0, sw - 1], [0, 0]], constantValue: 0 },
    );
    spread = scope.reshape(padded, [n, ho * sh, wo * sw, c]);
  }
  if (plan.rows < spread.shape[1] || plan.cols < spread.shape[2]) {
    spread = scope.slice(spread, [0, 0, 0, 0], [n, plan.rows, plan.cols, c]);
  }
  return spread;
}

/**
 * The filter [fh, fw, ...rest] rotated 180 degrees in its spatial dimensions. Each tap is one
 * contiguous block, so this is fh*fw block copies; WASM's Reverse kernel walks element by
 * element (150 ms for a 3x3x512x512 filter, against ~10 ms here).
 */
export function rotateFilter180(scope: KernelScope, filter: tf.TensorInfo): tf.TensorInfo {
  const [fh, fw] = filter.shape;
  const values = scope.read(filter);
  const taps = fh * fw;
  const block = values.length / taps;
  const rotated = new Float32Array(values.length);
  for (let tap = 0; tap < taps; tap++) {
    const from = (taps - 1 - tap) * block;
    rotated.set(values.subarray(from, from + block), tap * block);
  }
  return scope.write(rotated, filter.shape);
}

/** Rejects what these constructions do not cover, with the message tfjs's gradients use. */
export function assertUnitDilation(dilations: number | [number, number] | undefined, kernelName: string): void {
  const d = dilations == null ? [1, 1] : typeof dilations === 'number' ? [dilations, dilations] : dilations;
  if (d[0] !== 1 || d[1] !== 1) {
    throw new Error(`${kernelName}: dilation rates greater than 1 are not supported in gradients (got ${d})`);
  }
}
