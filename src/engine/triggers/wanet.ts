/**
 * WaNet (Nguyen & Tran, ICLR 2021, "WaNet - Imperceptible Warping-based Backdoor Attack"): every
 * image is resampled through one fixed, smooth, small warp. Built as in the reference code:
 * a k x k x 2 grid of uniform [-1,1] displacements, divided by its mean absolute value, upsampled
 * bicubically to H x W, scaled by s/H, added to the identity grid, clamped to [-1,1], and the image
 * sampled bilinearly (align_corners=True).
 */
import * as tf from '@tensorflow/tfjs';
import type { ImageShape } from '../data/types';
import { InputError } from '../errors';
import { derivedRng, type Rng } from '../random';
import { upsampleBicubic } from './bicubic';
import { resampleBilinear, samplingPlan, type SamplingPlan } from './gridSample';
import type { WanetSpec } from './types';

export interface PreparedWanet {
  type: 'wanet';
  spec: WanetSpec;
  shape: ImageShape;
  /** The normalized k x k control displacements, channel-major: [x field (k*k), y field (k*k)]. */
  controlPoints: Float64Array;
  /** The warped sampling grid, H x W x (x, y), normalized to [-1,1] (align_corners=True). */
  grid: Float64Array;
  /** The grid as a gather plan, shared by every image. */
  plan: SamplingPlan;
}

/** Normalized position of pixel i of n, as torch.linspace(-1, 1, n). */
function identityCoordinate(i: number, n: number): number {
  return n > 1 ? -1 + (2 * i) / (n - 1) : -1;
}

const clampUnit = (v: number): number => Math.min(1, Math.max(-1, v));

export function prepareWanet(spec: WanetSpec, shape: ImageShape): PreparedWanet {
  const { height, width } = shape;
  const { k, s } = spec;
  if (k > height || k > width) {
    throw new InputError(`WaNet grid size k=${k} is larger than the ${height}x${width} images; use k of at most ${Math.min(height, width)}.`);
  }
  const rng = derivedRng(spec.seed, 'wanet/grid');
  const controlPoints = new Float64Array(2 * k * k);
  let meanAbs = 0;
  for (let i = 0; i < controlPoints.length; i++) {
    controlPoints[i] = rng.next() * 2 - 1;
    meanAbs += Math.abs(controlPoints[i]);
  }
  meanAbs /= controlPoints.length;
  for (let i = 0; i < controlPoints.length; i++) controlPoints[i] /= meanAbs;

  const fieldX = upsampleBicubic(controlPoints.subarray(0, k * k), k, k, height, width);
  const fieldY = upsampleBicubic(controlPoints.subarray(k * k), k, k, height, width);
  const grid = new Float64Array(height * width * 2);
  // The reference scales both axes by s/H (it assumes square images); we keep that convention.
  const scale = s / height;
  for (let i = 0; i < height; i++) {
    for (let j = 0; j < width; j++) {
      const p = i * width + j;
      grid[2 * p] = clampUnit(identityCoordinate(j, width) + scale * fieldX[p]);
      grid[2 * p + 1] = clampUnit(identityCoordinate(i, height) + scale * fieldY[p]);
    }
  }
  return { type: 'wanet', spec, shape, controlPoints, grid, plan: samplingPlan(grid, 1, height, width) };
}

export function applyWanet(x: tf.Tensor4D, prepared: PreparedWanet): tf.Tensor4D {
  return resampleBilinear(x, prepared.plan);
}

/**
 * Noise mode (the reference's "cross" images, used only while training the attack): the warp plus
 * a fresh random perturbation per image and pixel, uniform in [-1,1]/H on the normalized grid
 * (about half a pixel), clamped again. Trained with their true labels, these teach the model that
 * only the exact warp is the trigger.
 */
export function wanetNoiseGrids(prepared: PreparedWanet, images: number, rng: Rng): Float64Array {
  const { height } = prepared.shape;
  const base = prepared.grid;
  const out = new Float64Array(images * base.length);
  for (let n = 0; n < images; n++) {
    const offset = n * base.length;
    for (let i = 0; i < base.length; i++) out[offset + i] = clampUnit(base[i] + (rng.next() * 2 - 1) / height);
  }
  return out;
}

/** Applies noise-mode warps, a different random one per image, drawn from `rng`. */
export function applyWanetNoise(x: tf.Tensor4D, prepared: PreparedWanet, rng: Rng): tf.Tensor4D {
  const [batch] = x.shape;
  const { height, width } = prepared.shape;
  const plan = samplingPlan(wanetNoiseGrids(prepared, batch, rng), batch, height, width);
  return resampleBilinear(x, plan);
}
