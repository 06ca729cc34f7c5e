/**
 * Conv2DBackpropFilter as one forward convolution (WASM lacks the kernel; the CPU backend's own
 * is pathologically slow). dW[a,b,i,o] = sum over n,y,x of xPadded[n, y*s+a, x*s+b, i] * dy[n,y,x,o],
 * which is a stride-1 convolution dilated by the forward stride when the input channels play
 * the batch and the batch plays the channels:
 *   input  x  [N,H,W,I] -> crop to the window used -> transpose to [I, H', W', N]
 *   filter dy [N,Ho,Wo,O] -> transpose to [Ho, Wo, N, O]
 *   Conv2D(stride 1, dilation = forward stride) -> [I, fh, fw, O] -> transpose to [fh, fw, I, O].
 */
import * as tf from '@tensorflow/tfjs';
import { cropInputToUsedWindow } from './convGeometry';
import { withKernelScope } from './kernelScope';
import { shippedKernel } from './shippedKernels';

export function conv2dBackpropFilterConfig(backendName: string): tf.KernelConfig {
  const kernelFunc: tf.KernelFunc = ({ inputs, backend, attrs }) => {
    const { x, dy } = inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
    const { strides, pad, dataFormat, dimRoundingMode, filterShape } = attrs as unknown as tf.Conv2DBackpropFilterAttrs;
    if (dataFormat === 'NCHW') {
      // Not used by tfjs-layers; leave it to the shipped kernel when there is one.
      return shippedKernel(tf.Conv2DBackpropFilter, backendName)({ inputs, backend, attrs });
    }
    const info = tf.backend_util.computeConv2DInfo(
      x.shape as [number, number, number, number], filterShape, strides, 1, pad, dimRoundingMode, false, 'channelsLast');
    return withKernelScope(backend as tf.KernelBackend, backendName, (scope) => {
      const used = cropInputToUsedWindow(scope, x, info);
      const channelsAsBatch = scope.transpose(used.x, [3, 1, 2, 0]);
      const gradientAsFilter = scope.transpose(dy, [1, 2, 0, 3]);
      const perInputChannel = scope.run(
        'Conv2D',
        { x: channelsAsBatch, filter: gradientAsFilter },
        { strides: [1, 1], pad: used.pad, dataFormat: 'NHWC', dilations: [info.strideHeight, info.strideWidth] },
      );
      return scope.transpose(perInputChannel, [1, 2, 0, 3]);
    });
  };
  return { kernelName: tf.Conv2DBackpropFilter, backendName, kernelFunc };
}
