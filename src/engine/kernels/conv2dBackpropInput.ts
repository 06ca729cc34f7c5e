/**
 * Conv2DBackpropInput as one forward convolution. WASM ships this kernel as a plain C++ loop
 * (no XNNPACK, ~10x slower than Conv2D).
 *
 * The input gradient is a transposed convolution: dx[y] = sum over taps a of dy[(y + pad - a) / s]
 * * W[a], for the taps where the division is exact. Split the rows of dx by phase
 * r = (y + pad) mod s: each phase only meets the taps a = r, r+s, r+2s, ..., so it is a stride-1
 * convolution of dy itself by a sub-filter (rotated 180 degrees, in/out channels swapped).
 * All sh*sw phases run as ONE Conv2D whose output channels are the phases side by side
 * (sub-filters zero-padded to a common size); a reshape-transpose interleaves them back
 * ("sub-pixel" convolution; WASM's DepthToSpace would do the same 15x slower). Against spreading
 * dy with zeros and convolving with the whole filter, 3x3 stride 2 does 16 instead of 36 tap
 * products per 2x2 output block (measured 2x faster), and no spread copy of dy is allocated.
 */
import * as tf from '@tensorflow/tfjs';
import type { Conv2DInfo } from './convGeometry';
import type { KernelScope } from './kernelScope';
import { withKernelScope } from './kernelScope';
import { shippedKernel } from './shippedKernels';

/** One spatial dimension of the sub-pixel plan. */
interface PhaseAxis {
  stride: number;
  filter: number;
  /** Taps of the combined sub-filter: ceil(filter / stride). */
  taps: number;
  /** Padding of dy before/after (negative: crop dy instead). */
  padBefore: number;
  padAfter: number;
  /** Phase-grid rows computed: K, so the interleaved size is K * stride. */
  blocks: number;
  /** Where dx starts in the interleaved rows, and its length. */
  cropStart: number;
  size: number;
}

function phaseAxis(inSize: number, outSize: number, filter: number, stride: number, padBefore: number): PhaseAxis {
  const taps = Math.ceil(filter / stride);
  // Phase-grid rows k with s*k + r = y + pad for some y in [0, inSize) and phase r.
  const kLow = Math.floor(padBefore / stride);
  const kHigh = Math.floor((inSize - 1 + padBefore) / stride);
  const blocks = kHigh - kLow + 1;
  // out[q] = sum over t' of dyPadded[q + t'] * F[t'] must read dy[kLow + q - (taps - 1 - t')].
  const before = taps - 1 - kLow;
  return {
    stride, filter, taps, blocks,
    padBefore: before,
    padAfter: blocks + taps - 1 - before - outSize,
    cropStart: padBefore - stride * kLow,
    size: inSize,
  };
}

/**
 * The combined filter [tapsH, tapsW, outC, sh*sw*inC]: output channel (rh*sw + rw)*inC + i, tap
 * (t, u) holds W[rh + sh*(tapsH-1-t), rw + sw*(tapsW-1-u), i, o], or 0 past the filter's edge.
 * Built in JS in one pass over the filter (small next to the activations); the in/out swap is
 * a transpose, done in tiles so that both sides stay in cache (8x faster than row by row).
 */
function subPixelFilter(scope: KernelScope, filter: tf.TensorInfo, h: PhaseAxis, w: PhaseAxis): tf.TensorInfo {
  const [fh, fw, inC, outC] = filter.shape;
  const rowLength = h.stride * w.stride * inC; // one (tap, o) row of the combined filter
  const values = scope.read(filter);
  const combined = new Float32Array(h.taps * w.taps * outC * rowLength);
  const TILE = 32;
  for (let t = 0; t < h.taps; t++) {
    for (let u = 0; u < w.taps; u++) {
      for (let rh = 0; rh < h.stride; rh++) {
        const a = rh + h.stride * (h.taps - 1 - t);
        if (a >= fh) continue;
        for (let rw = 0; rw < w.stride; rw++) {
          const b = rw + w.stride * (w.taps - 1 - u);
          if (b >= fw) continue;
          const source = (a * fw + b) * inC * outC;
          const target = (t * w.taps + u) * outC * rowLength + (rh * w.stride + rw) * inC;
          for (let i0 = 0; i0 < inC; i0 += TILE) {
            const i1 = Math.min(inC, i0 + TILE);
            for (let o0 = 0; o0 < outC; o0 += TILE) {
              const o1 = Math.min(outC, o0 + TILE);
              for (let i = i0; i < i1; i++) {
                for (let o = o0; o < o1; o++) combined[target + o * rowLength + i] = values[source + i * outC + o];
              }
            }
          }
        }
      }
    }
  }
  return scope.write(combined, [h.taps, w.taps, outC, rowLength]);
}

/** dy cropped where the plan's padding is negative, and the padding that remains. */
function cropForNegativePadding(scope: KernelScope, dy: tf.TensorInfo, h: PhaseAxis, w: PhaseAxis) {
  const [n, rows, cols, c] = dy.shape;
  const top = Math.max(0, -h.padBefore);
  const left = Math.max(0, -w.padBefore);
  const keptRows = rows - top - Math.max(0, -h.padAfter);
  const keptCols = cols - left - Math.max(0, -w.padAfter);
  const cropped = keptRows < rows || keptCols < cols ? scope.slice(dy, [0, top, left, 0], [n, keptRows, keptCols, c]) : dy;
  const pad: [[number, number], [number, number], [number, number], [number, number]] = [
    [0, 0], [Math.max(0, h.padBefore), Math.max(0, h.padAfter)], [Math.max(0, w.padBefore), Math.max(0, w.padAfter)], [0, 0]];
  return { dy: cropped, pad };
}

function subPixelBackpropInput(scope: KernelScope, dy: tf.TensorInfo, filter: tf.TensorInfo, info: Conv2DInfo): tf.TensorInfo {
  const h = phaseAxis(info.inHeight, info.outHeight, info.filterHeight, info.strideHeight, info.padInfo.top);
  const w = phaseAxis(info.inWidth, info.outWidth, info.filterWidth, info.strideWidth, info.padInfo.left);
  const cropped = cropForNegativePadding(scope, dy, h, w);
  const phases = scope.run(
    'Conv2D',
    { x: cropped.dy, filter: subPixelFilter(scope, filter, h, w) },
    { strides: [1, 1], pad: cropped.pad, dataFormat: 'NHWC', dilations: [1, 1] },
  );
  const [n, , , phaseChannels] = phases.shape;
  const c = phaseChannels / (h.stride * w.stride);
  let interleaved = phases;
  if (h.stride > 1 || w.stride > 1) {
    // [n, K, Kw, (rh, rw, c)] -> [n, K, rh, Kw, rw, c] -> rows K*sh + rh, columns Kw*sw + rw.
    const split = scope.reshape(phases, [n, h.blocks, w.blocks, h.stride, w.stride, c]);
    interleaved = scope.reshape(scope.transpose(split, [0, 1, 3, 2, 4, 5]), [n, h.blocks * h.stride, w.blocks * w.stride, c]);
  }
  const [, rows, cols] = interleaved.shape;
  if (h.cropStart === 0 && w.cropStart === 0 && rows === h.size && cols === w.size) return interleaved;
  return scope.slice(interleaved, [0, h.cropStart, w.cropStart, 0], [n, h.size, w.size, c]);
}

export function conv2dBackpropInputConfig(backendName: string): tf.KernelConfig {
  const kernelFunc: tf.KernelFunc = ({ inputs, backend, attrs }) => {
    const { dy, filter } = inputs as { dy: tf.TensorInfo; filter: tf.TensorInfo };
    const { strides, pad, dataFormat, dimRoundingMode, inputShape } = attrs as unknown as tf.Conv2DBackpropInputAttrs;
    const useShipped = () => shippedKernel(tf.Conv2DBackpropInput, backendName)({ inputs, backend, attrs });
    if (dataFormat === 'NCHW' || dy.dtype !== 'float32' || filter.dtype !== 'float32') return useShipped();
    const info = tf.backend_util.computeConv2DInfo(
      inputShape, filter.shape as [number, number, number, number], strides, 1, pad, dimRoundingMode, false, 'channelsLast');
    return withKernelScope(backend as tf.KernelBackend, backendName, (scope) => subPixelBackpropInput(scope, dy, filter, info));
  };
  return { kernelName: tf.Conv2DBackpropInput, backendName, kernelFunc };
}
