/**
 * Conv2DBackpropInput as one forward convolution. WASM ships this kernel as a plain C++ loop
 * (no XNNPACK, ~10x slower than Conv2D); a transposed convolution is a stride-1 convolution of
 * the upstream gradient, with zeros inserted between its pixels for stride > 1, by the filter
 * rotated 180 degrees with its input and output channels swapped.
 */
import * as tf from '@tensorflow/tfjs';
import { planTransposedConv, spreadUpstreamGradient } from './convGeometry';
import { withKernelScope } from './kernelScope';
import { shippedKernel } from './shippedKernels';

export function conv2dBackpropInputConfig(backendName: string): tf.KernelConfig {
  const kernelFunc: tf.KernelFunc = ({ inputs, backend, attrs }) => {
    const { dy, filter } = inputs as { dy: tf.TensorInfo; filter: tf.TensorInfo };
    const { strides, pad, dataFormat, dimRoundingMode, inputShape } = attrs as unknown as tf.Conv2DBackpropInputAttrs;
    const info = dataFormat === 'NCHW' ? null : tf.backend_util.computeConv2DInfo(
      inputShape, filter.shape as [number, number, number, number], strides, 1, pad, dimRoundingMode, false, 'channelsLast');
    const plan = info && planTransposedConv(info, dy.shape);
    if (info == null || plan == null) {
      return shippedKernel(tf.Conv2DBackpropInput, backendName)({ inputs, backend, attrs });
    }
    return withKernelScope(backend as tf.KernelBackend, backendName, (scope) => {
      const spread = spreadUpstreamGradient(scope, dy, info, plan);
      const rotated = scope.run('Reverse', { x: filter }, { dims: [0, 1] });
      const swapped = scope.transpose(rotated, [0, 1, 3, 2]);
      return scope.run(
        'Conv2D',
        { x: spread, filter: swapped },
        { strides: [1, 1], pad: plan.pad, dataFormat: 'NHWC', dilations: [1, 1] },
      );
    });
  };
  return { kernelName: tf.Conv2DBackpropInput, backendName, kernelFunc };
}
