/**
 * Registers the kernels and gradient that make training work (and fast) on the backends we run:
 *  - wasm: Conv2DBackpropFilter and the depthwise gradients it lacks; Conv2DBackpropInput,
 *    BatchMatMul, _FusedMatMul, MaxPoolGrad, and Sum and Mean over leading axes replacing slow shipped paths;
 *    Identity and same-dtype Cast sharing their input's data instead of copying it;
 *  - cpu:  Conv2DBackpropFilter replacing the shipped one (pathologically slow);
 *  - every backend (registerTrainingGradients): the FusedBatchNorm gradient without tiling
 *    (bitwise-identical results).
 * Idempotent. Safe before or after the backend initializes: a replaced kernel keeps the shipped
 * setupFunc, which WASM kernels need to bind their C functions.
 */
import * as tf from '@tensorflow/tfjs';
import { batchMatMulConfig, fusedMatMulConfig } from './batchMatMulTransposed';
import { batchNormGradConfig } from './batchNormGrad';
import { conv2dBackpropFilterConfig } from './conv2dBackpropFilter';
import { conv2dBackpropInputConfig } from './conv2dBackpropInput';
import { depthwiseBackpropFilterConfig, depthwiseBackpropInputConfig } from './depthwiseGradients';
import { leadingAxesMeanConfig, leadingAxesSumConfig } from './leadingAxesReduce';
import { maxPoolGradConfig } from './maxPoolGrad';
import { sameDtypeCastConfig, sharedIdentityConfig } from './sharedData';
import { rememberShippedKernel } from './shippedKernels';

type TrainingBackend = 'wasm' | 'cpu';

const kernelsFor: Record<TrainingBackend, Array<(backendName: string) => tf.KernelConfig>> = {
  wasm: [
    conv2dBackpropFilterConfig,
    conv2dBackpropInputConfig,
    batchMatMulConfig,
    fusedMatMulConfig,
    depthwiseBackpropFilterConfig,
    depthwiseBackpropInputConfig,
    maxPoolGradConfig,
    leadingAxesSumConfig,
    leadingAxesMeanConfig,
    sharedIdentityConfig,
    sameDtypeCastConfig,
  ],
  cpu: [conv2dBackpropFilterConfig],
};

const registeredBackends = new Set<string>();
let gradientRegistered = false;
let shippedBatchNormGradient: tf.GradConfig | null = null;

/** Replaces (or adds) `config` on its backend, keeping the shipped setup/dispose hooks. */
function overrideKernel(config: tf.KernelConfig): void {
  const shipped = rememberShippedKernel(config.kernelName, config.backendName);
  if (shipped) tf.unregisterKernel(config.kernelName, config.backendName); // avoids the "already registered" warning
  tf.registerKernel({ ...config, setupFunc: shipped?.setupFunc, disposeFunc: shipped?.disposeFunc });
}

/** The kernel names this module registers on `backendName` (for reports and tests). */
export function trainingKernelNames(backendName: TrainingBackend): string[] {
  return kernelsFor[backendName].map((make) => make(backendName).kernelName);
}

/** Backend-independent gradients (any backend, tensorflow included). Idempotent. */
export function registerTrainingGradients(): void {
  if (gradientRegistered) return;
  shippedBatchNormGradient = tf.getGradient(tf.FusedBatchNorm) ?? null;
  tf.registerGradient(batchNormGradConfig);
  gradientRegistered = true;
}

/** Call after the backend's package is loaded (its kernels register on import). Idempotent. */
export function registerTrainingKernels(backendName: TrainingBackend): void {
  if (registeredBackends.has(backendName)) return;
  if (tf.getKernel('Conv2D', backendName) == null) {
    throw new Error(`registerTrainingKernels('${backendName}'): load the backend's package first`);
  }
  for (const make of kernelsFor[backendName]) overrideKernel(make(backendName));
  registeredBackends.add(backendName);
}

/** tfjs-core's own FusedBatchNorm gradient, as it was before registerTrainingGradients (for tests). */
export function shippedBatchNormGradientConfig(): tf.GradConfig | null {
  return gradientRegistered ? shippedBatchNormGradient : tf.getGradient(tf.FusedBatchNorm) ?? null;
}
