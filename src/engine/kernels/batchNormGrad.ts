/**
 * FusedBatchNorm's gradient with broadcasting instead of tiling. tfjs-core's own tiles
 * rsqrt(variance + eps) to the full NHWC shape before multiplying it into dy (~15 % of a WASM
 * ResNet-18 step). Broadcasting performs exactly the same float32 multiplications in the same
 * order, so every gradient is bitwise identical (test/unit/engine/kernels/batchNormGrad.test.ts checks
 * this on the CPU and WASM backends). Gradients are per kernel, independent of the backend.
 */
import * as tf from '@tensorflow/tfjs';

export const batchNormGradConfig: tf.GradConfig = {
  kernelName: tf.FusedBatchNorm,
  inputsToSave: ['x', 'mean', 'variance', 'scale'],
  gradFunc: (dyOrDys, saved, attrs) => {
    const dy = dyOrDys as tf.Tensor;
    const { varianceEpsilon } = attrs as unknown as tf.FusedBatchNormAttrs;
    const [x, mean, variance, scale] = saved;
    const scaleValue = scale == null ? tf.scalar(1) : scale;
    const reductionAxes = tf.broadcast_util.getReductionAxes(mean.shape, x.shape);
    const perChannel = mean.rank === 1;
    const reduce = (t: tf.Tensor) => (perChannel ? tf.sum(t, reductionAxes) : t);

    // Same expressions, same operand order as tfjs-core 4.22's fusedBatchNormGradConfig.
    const xMinusMean = tf.sub(x, mean);
    const dyTimesScaleValue = tf.mul(dy, scaleValue);
    const oneOverSqrtVariance = tf.rsqrt(tf.add(variance, tf.scalar(varianceEpsilon)));
    const minusHalfRCube = tf.mul(
      tf.mul(tf.mul(oneOverSqrtVariance, oneOverSqrtVariance), oneOverSqrtVariance), tf.scalar(-0.5));

    return {
      // The one change: oneOverSqrtVariance broadcasts over N, H, W instead of being tiled.
      x: () => tf.reshape(tf.mul(tf.mul(dy, oneOverSqrtVariance), scaleValue), x.shape),
      mean: () => tf.reshape(reduce(tf.mul(tf.mul(oneOverSqrtVariance, tf.scalar(-1)), dyTimesScaleValue)), mean.shape),
      variance: () => tf.reshape(reduce(tf.mul(tf.mul(minusHalfRCube, xMinusMean), dyTimesScaleValue)), mean.shape),
      scale: () => tf.reshape(reduce(tf.mul(dy, tf.mul(xMinusMean, oneOverSqrtVariance))), mean.shape),
      offset: () => tf.reshape(reduce(dy), mean.shape),
    };
  },
};
