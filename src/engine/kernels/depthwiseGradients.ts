/**
 * The two depthwise-convolution gradients WASM lacks (MobileNet-style models), each expressed
 * as one forward depthwise convolution. Filter [fh, fw, C, M] (M: channel multiplier); output
 * channel c*M + m reads input channel c.
 *
 * Filter gradient: dW[a,b,c,m] = sum over n,y,x of xPadded[n, y*s+a, x*s+b, c] * dy[n,y,x,c*M+m].
 *   Put the batch into the channels, x -> [1, H', W', N*C] and dy -> [Ho, Wo, N*C, M], then a
 *   depthwise convolution dilated by the forward stride gives [1, fh, fw, N*C*M]; sum over N.
 * Input gradient: a stride-1 depthwise convolution of the zero-spread upstream gradient with the
 *   rotated filter reshaped to [fh, fw, C*M, 1], then a sum over M.
 */
import * as tf from '@tensorflow/tfjs';
import { assertUnitDilation, cropInputToUsedWindow, planTransposedConv, rotateFilter180, spreadUpstreamGradient } from './convGeometry';
import { withKernelScope } from './kernelScope';

export function depthwiseBackpropFilterConfig(backendName: string): tf.KernelConfig {
  const kernelName = tf.DepthwiseConv2dNativeBackpropFilter;
  const kernelFunc: tf.KernelFunc = ({ inputs, backend, attrs }) => {
    const { x, dy } = inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
    const { strides, dilations, pad, dimRoundingMode, filterShape } =
      attrs as unknown as tf.DepthwiseConv2dNativeBackpropFilterAttrs;
    assertUnitDilation(dilations, kernelName);
    const [fh, fw, channels, multiplier] = filterShape;
    const info = tf.backend_util.computeConv2DInfo(
      x.shape as [number, number, number, number], filterShape, strides, 1, pad, dimRoundingMode, true, 'channelsLast');
    const batch = x.shape[0];
    return withKernelScope(backend as tf.KernelBackend, backendName, (scope) => {
      const used = cropInputToUsedWindow(scope, x, info);
      const [, rows, cols] = used.x.shape;
      const batchInChannels = scope.reshape(scope.transpose(used.x, [1, 2, 0, 3]), [1, rows, cols, batch * channels]);
      const gradientAsFilter = scope.reshape(
        scope.transpose(dy, [1, 2, 0, 3]), [info.outHeight, info.outWidth, batch * channels, multiplier]);
      const perImage = scope.run(
        'DepthwiseConv2dNative',
        { x: batchInChannels, filter: gradientAsFilter },
        { strides: [1, 1], pad: used.pad, dilations: [info.strideHeight, info.strideWidth] },
      );
      const summed = scope.sum(scope.reshape(perImage, [fh, fw, batch, channels * multiplier]), [2]);
      return scope.reshape(summed, filterShape);
    });
  };
  return { kernelName, backendName, kernelFunc };
}

export function depthwiseBackpropInputConfig(backendName: string): tf.KernelConfig {
  const kernelName = tf.DepthwiseConv2dNativeBackpropInput;
  const kernelFunc: tf.KernelFunc = ({ inputs, backend, attrs }) => {
    const { dy, filter } = inputs as { dy: tf.TensorInfo; filter: tf.TensorInfo };
    const { strides, dilations, pad, dimRoundingMode, inputShape } =
      attrs as unknown as tf.DepthwiseConv2dNativeBackpropInputAttrs;
    assertUnitDilation(dilations, kernelName);
    const [fh, fw, channels, multiplier] = filter.shape;
    const info = tf.backend_util.computeConv2DInfo(
      inputShape, filter.shape as [number, number, number, number], strides, 1, pad, dimRoundingMode, true, 'channelsLast');
    const plan = planTransposedConv(info, dy.shape);
    if (plan == null) {
      throw new Error(`${kernelName}: padding ${JSON.stringify(pad)} is wider than the ${fh}x${fw} filter; not supported`);
    }
    const [batch, height, width] = inputShape;
    return withKernelScope(backend as tf.KernelBackend, backendName, (scope) => {
      const spread = spreadUpstreamGradient(scope, dy, info, plan);
      const rotated = scope.reshape(rotateFilter180(scope, filter), [fh, fw, channels * multiplier, 1]);
      const perOutputChannel = scope.run(
        'DepthwiseConv2dNative',
        { x: spread, filter: rotated },
        { strides: [1, 1], pad: plan.pad, dilations: [1, 1] },
      );
      if (multiplier === 1) return perOutputChannel;
      return scope.sum(scope.reshape(perOutputChannel, [batch, height, width, channels, multiplier]), [4]);
    });
  };
  return { kernelName, backendName, kernelFunc };
}
