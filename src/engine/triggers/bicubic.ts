/**
 * Bicubic upsampling of a small 2-D field, exactly as PyTorch's `F.interpolate(mode='bicubic',
 * align_corners=True)` that the WaNet reference uses to turn its k x k control grid into a
 * per-pixel warp (cubic convolution with A = -0.75, edge indices clamped).
 */

const A = -0.75;

function cubicNear(t: number): number {
  return ((A + 2) * t - (A + 3)) * t * t + 1;
}

function cubicFar(t: number): number {
  return ((A * t - 5 * A) * t + 8 * A) * t - 4 * A;
}

/** For each output position: the 4 source indices (clamped) and their weights. */
function axisTaps(inSize: number, outSize: number): { index: Int32Array; weight: Float64Array } {
  const index = new Int32Array(outSize * 4);
  const weight = new Float64Array(outSize * 4);
  const scale = outSize > 1 ? (inSize - 1) / (outSize - 1) : 0;
  for (let o = 0; o < outSize; o++) {
    const real = scale * o;
    const base = Math.floor(real);
    const t = real - base;
    const w = [cubicFar(t + 1), cubicNear(t), cubicNear(1 - t), cubicFar(2 - t)];
    for (let k = 0; k < 4; k++) {
      index[o * 4 + k] = Math.min(Math.max(base - 1 + k, 0), inSize - 1);
      weight[o * 4 + k] = w[k];
    }
  }
  return { index, weight };
}

/** Upsamples a row-major inH x inW field to outH x outW. */
export function upsampleBicubic(field: ArrayLike<number>, inH: number, inW: number, outH: number, outW: number): Float64Array {
  const rows = axisTaps(inH, outH);
  const cols = axisTaps(inW, outW);
  const out = new Float64Array(outH * outW);
  for (let i = 0; i < outH; i++) {
    for (let j = 0; j < outW; j++) {
      let sum = 0;
      for (let a = 0; a < 4; a++) {
        const r = rows.index[i * 4 + a] * inW;
        const wr = rows.weight[i * 4 + a];
        for (let b = 0; b < 4; b++) sum += wr * cols.weight[j * 4 + b] * field[r + cols.index[j * 4 + b]];
      }
      out[i * outW + j] = sum;
    }
  }
  return out;
}
