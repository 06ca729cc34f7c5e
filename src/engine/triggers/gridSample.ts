/**
 * Bilinear resampling of images at arbitrary positions, the `F.grid_sample(..., mode='bilinear',
 * padding_mode='zeros', align_corners=True)` that WaNet uses, built from gathers since tfjs has
 * no grid-sample op. The positions are turned into a plan (4 neighbour indices and weights per
 * output pixel) once in plain JS; applying the plan is 4 gathers, 4 multiplies and a sum.
 */
import * as tf from '@tensorflow/tfjs';

/** Where each output pixel reads from, for one grid (shared by a batch) or one grid per image. */
export interface SamplingPlan {
  height: number;
  width: number;
  /** 1 = the same grid for every image; otherwise one grid per image of the batch. */
  grids: number;
  /** 4 neighbours (top-left, top-right, bottom-left, bottom-right): pixel index row*W+col within the image. */
  indices: [Int32Array, Int32Array, Int32Array, Int32Array];
  weights: [Float32Array, Float32Array, Float32Array, Float32Array];
}

/**
 * @param grid `grids` x H x W x 2 normalized positions (x = column, y = row; -1 = first pixel
 *   centre, +1 = last, as align_corners=True). Neighbours outside the image weigh 0 (zero padding).
 */
export function samplingPlan(grid: ArrayLike<number>, grids: number, height: number, width: number): SamplingPlan {
  const n = grids * height * width;
  const indices: SamplingPlan['indices'] = [new Int32Array(n), new Int32Array(n), new Int32Array(n), new Int32Array(n)];
  const weights: SamplingPlan['weights'] = [new Float32Array(n), new Float32Array(n), new Float32Array(n), new Float32Array(n)];
  for (let p = 0; p < n; p++) {
    const ix = ((grid[2 * p] + 1) / 2) * (width - 1);
    const iy = ((grid[2 * p + 1] + 1) / 2) * (height - 1);
    const x0 = Math.floor(ix);
    const y0 = Math.floor(iy);
    const fx = ix - x0;
    const fy = iy - y0;
    const corners: Array<[number, number, number]> = [
      [y0, x0, (1 - fy) * (1 - fx)],
      [y0, x0 + 1, (1 - fy) * fx],
      [y0 + 1, x0, fy * (1 - fx)],
      [y0 + 1, x0 + 1, fy * fx],
    ];
    for (let c = 0; c < 4; c++) {
      const [r, col, w] = corners[c];
      const inside = r >= 0 && r < height && col >= 0 && col < width;
      // Out-of-image neighbours read a valid pixel with weight 0: zero padding without a branch in tfjs.
      indices[c][p] = inside ? r * width + col : 0;
      weights[c][p] = inside ? w : 0;
    }
  }
  return { height, width, grids, indices, weights };
}

/** Resamples a batch of NHWC images with a plan; the batch size must be 1 grid or one per image. */
export function resampleBilinear(x: tf.Tensor4D, plan: SamplingPlan): tf.Tensor4D {
  const [batch, height, width, channels] = x.shape;
  if (height !== plan.height || width !== plan.width) {
    throw new Error(`sampling plan is for ${plan.height}x${plan.width} images, got ${height}x${width}`);
  }
  if (plan.grids !== 1 && plan.grids !== batch) {
    throw new Error(`sampling plan has ${plan.grids} grids for a batch of ${batch}`);
  }
  const pixels = height * width;
  return tf.tidy(() => {
    let sum: tf.Tensor | null = null;
    if (plan.grids === 1) {
      const flat = x.reshape([batch, pixels, channels]);
      for (let c = 0; c < 4; c++) {
        const gathered = tf.gather(flat, tf.tensor1d(plan.indices[c], 'int32'), 1);
        const term = gathered.mul(tf.tensor3d(plan.weights[c], [1, pixels, 1]));
        sum = sum === null ? term : sum.add(term);
      }
    } else {
      const flat = x.reshape([batch * pixels, channels]);
      for (let c = 0; c < 4; c++) {
        // Per-image grids: offset each image's indices into the flattened batch.
        const global = new Int32Array(batch * pixels);
        for (let p = 0; p < global.length; p++) global[p] = plan.indices[c][p] + Math.floor(p / pixels) * pixels;
        const gathered = tf.gather(flat, tf.tensor1d(global, 'int32'), 0);
        const term = gathered.mul(tf.tensor2d(plan.weights[c], [batch * pixels, 1]));
        sum = sum === null ? term : sum.add(term);
      }
    }
    return (sum as tf.Tensor).reshape([batch, height, width, channels]) as tf.Tensor4D;
  });
}
