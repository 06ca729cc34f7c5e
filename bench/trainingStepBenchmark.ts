/**
 * Times what the training kernels are for, on whichever backend initBackend picks:
 *   node out/bench/trainingStepBenchmark.js step --backend wasm --threads 2 --batch 128
 *   node out/bench/trainingStepBenchmark.js kernels --backend wasm
 * `step`: one SGD-momentum step of the small CNN (28x28x1: conv3x3 32 valid+relu, conv3x3 64
 * valid+relu, maxpool 2, dense 128 relu, dense 10), median of --steps after a warm-up, and
 * the tensor count before and after a step. `kernels`: each replacement against the kernel the
 * backend shipped (or tfjs-core's own gradient). One backend per process: WASM threads are fixed
 * when it starts.
 */
import * as tf from '@tensorflow/tfjs';
import { buildArchitecture } from '../src/engine/attackLab/architectures';
import { initBackend } from '../src/engine/backend';
import type { BackendChoice } from '../src/shared/protocol';
import { batchNormGradConfig } from '../src/engine/kernels/batchNormGrad';
import { shippedBatchNormGradientConfig, trainingKernelNames } from '../src/engine/kernels/register';
import { runShippedKernel } from '../src/engine/kernels/shippedKernels';

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/** Median wall time of `run` in ms (one untimed warm-up), reading results back each time. */
function time(run: () => tf.Tensor | tf.Tensor[] | void, repeats: number): number {
  const once = () => {
    const start = performance.now();
    const out = run();
    for (const t of out == null ? [] : Array.isArray(out) ? out : [out]) {
      t.dataSync();
      t.dispose();
    }
    return performance.now() - start;
  };
  once();
  return median(Array.from({ length: repeats }, once));
}

/** The benchmark model: the attack lab's small CNN (one definition for both). */
export function smallCnn(): tf.LayersModel {
  return buildArchitecture('small-cnn', { inputShape: [28, 28, 1], classes: 10, seed: 1 });
}

export interface StepTiming { medianMs: number; tensorsBefore: number; tensorsAfter: number }

export function timeSmallCnnStep(batch: number, steps: number): StepTiming {
  const model = smallCnn();
  const x = tf.randomNormal([batch, 28, 28, 1]);
  const labels = tf.oneHot(tf.randomUniform([batch], 0, 10, 'int32'), 10);
  const optimizer = tf.train.momentum(0.01, 0.9);
  const step = () => {
    const loss = optimizer.minimize(
      () => tf.losses.softmaxCrossEntropy(labels, model.apply(x, { training: true }) as tf.Tensor) as tf.Scalar, true);
    return loss ?? undefined;
  };
  const medianMs = time(step, steps);
  const tensorsBefore = tf.memory().numTensors;
  step()?.dispose();
  const tensorsAfter = tf.memory().numTensors;
  optimizer.dispose();
  model.dispose();
  tf.dispose([x, labels]);
  return { medianMs, tensorsBefore, tensorsAfter };
}

export interface KernelTiming {
  what: string;
  /** The backend's own kernel; null where it ships none. */
  shippedMs: number | null;
  oursMs: number;
  /** The forward kernel of the same layer, for scale (same multiply-adds as each gradient). */
  forwardMs?: number;
}

/** Each replacement kernel against the shipped one, on shapes from the models we train. */
export function timeKernels(repeats: number): KernelTiming[] {
  const rows: KernelTiming[] = [];
  const r = tf.randomNormal;
  const ours = new Set(trainingKernelNames(tf.getBackend() === 'cpu' ? 'cpu' : 'wasm'));
  const compare = (what: string, kernelName: string, inputs: Record<string, tf.Tensor>, attrs: tf.NamedAttrMap,
    forward?: { kernelName: string; inputs: Record<string, tf.Tensor>; attrs: tf.NamedAttrMap }) => {
    if (!ours.has(kernelName)) {
      tf.dispose([...Object.values(inputs), ...Object.values(forward?.inputs ?? {})]);
      return; // the backend runs its shipped kernel: nothing to compare
    }
    let shippedMs: number | null = null;
    try {
      shippedMs = time(() => runShippedKernel(kernelName, inputs, attrs), repeats);
    } catch {
      // ships none: ours alone
    }
    const oursMs = time(() => tf.engine().runKernel(kernelName, inputs, attrs) as tf.Tensor, repeats);
    const forwardMs = forward && time(() => tf.engine().runKernel(forward.kernelName, forward.inputs, forward.attrs) as tf.Tensor, repeats);
    rows.push({ what, shippedMs, oursMs, forwardMs });
    tf.dispose([...Object.values(inputs), ...Object.values(forward?.inputs ?? {})]);
  };
  const conv = (x: number[], filter: number[], strides: number, pad: 'same' | 'valid') =>
    ({ kernelName: 'Conv2D', inputs: { x: r(x), filter: r(filter) }, attrs: { strides, pad, dataFormat: 'NHWC', dilations: 1 } });
  const depthwise = (x: number[], filter: number[]) =>
    ({ kernelName: 'DepthwiseConv2dNative', inputs: { x: r(x), filter: r(filter) }, attrs: { strides: 1, pad: 'same', dilations: 1 } });

  compare('Conv2DBackpropFilter x[128,26,26,32] f3x3x32x64 s1 valid (small CNN conv2)', 'Conv2DBackpropFilter',
    { x: r([128, 26, 26, 32]), dy: r([128, 24, 24, 64]) },
    { strides: 1, pad: 'valid', dataFormat: 'NHWC', filterShape: [3, 3, 32, 64] },
    conv([128, 26, 26, 32], [3, 3, 32, 64], 1, 'valid'));
  compare('Conv2DBackpropFilter x[64,16,16,128] f3x3x128x256 s2 same (ResNet-18 stage 3)', 'Conv2DBackpropFilter',
    { x: r([64, 16, 16, 128]), dy: r([64, 8, 8, 256]) },
    { strides: 2, pad: 'same', dataFormat: 'NHWC', filterShape: [3, 3, 128, 256] },
    conv([64, 16, 16, 128], [3, 3, 128, 256], 2, 'same'));
  compare('Conv2DBackpropInput dy[128,24,24,64] f3x3x32x64 s1 valid (small CNN conv2)', 'Conv2DBackpropInput',
    { dy: r([128, 24, 24, 64]), filter: r([3, 3, 32, 64]) },
    { strides: 1, pad: 'valid', dataFormat: 'NHWC', inputShape: [128, 26, 26, 32] },
    conv([128, 26, 26, 32], [3, 3, 32, 64], 1, 'valid'));
  compare('Conv2DBackpropInput dy[64,8,8,256] f3x3x128x256 s2 same (ResNet-18 stage 3)', 'Conv2DBackpropInput',
    { dy: r([64, 8, 8, 256]), filter: r([3, 3, 128, 256]) },
    { strides: 2, pad: 'same', dataFormat: 'NHWC', inputShape: [64, 16, 16, 128] },
    conv([64, 16, 16, 128], [3, 3, 128, 256], 2, 'same'));
  compare('BatchMatMul x^T dy, [128,9216]^T x [128,128] (dense kernel gradient)', 'BatchMatMul',
    { a: r([1, 128, 9216]), b: r([1, 128, 128]) }, { transposeA: true, transposeB: false });
  compare('BatchMatMul dy W^T, [128,128] x [9216,128]^T (dense input gradient)', 'BatchMatMul',
    { a: r([1, 128, 128]), b: r([1, 9216, 128]) }, { transposeA: false, transposeB: true });
  compare('DepthwiseConv2dNativeBackpropFilter x[64,32,32,64] 3x3 s1 same', 'DepthwiseConv2dNativeBackpropFilter',
    { x: r([64, 32, 32, 64]), dy: r([64, 32, 32, 64]) },
    { strides: 1, dilations: 1, pad: 'same', filterShape: [3, 3, 64, 1] },
    depthwise([64, 32, 32, 64], [3, 3, 64, 1]));
  compare('DepthwiseConv2dNativeBackpropInput dy[64,32,32,64] 3x3 s1 same', 'DepthwiseConv2dNativeBackpropInput',
    { dy: r([64, 32, 32, 64]), filter: r([3, 3, 64, 1]) },
    { strides: 1, dilations: 1, pad: 'same', inputShape: [64, 32, 32, 64] },
    depthwise([64, 32, 32, 64], [3, 3, 64, 1]));

  const pool = { dy: r([64, 12, 12, 64]), input: r([64, 24, 24, 64]), output: r([64, 12, 12, 64]) };
  compare('MaxPoolGrad x[64,24,24,64] 2x2 s2 (small CNN pool)', 'MaxPoolGrad', pool, { filterSize: 2, strides: 2, pad: 'valid' });
  compare('Sum over [N,H,W] of [64,24,24,64] (small CNN conv2 bias gradient)', 'Sum', { x: r([64, 24, 24, 64]) }, { axis: [0, 1, 2], keepDims: false });
  compare('Mean over [N,H,W] of [32,32,32,64] (ResNet-18 BatchNorm statistics)', 'Mean', { x: r([32, 32, 32, 64]) }, { axis: [0, 1, 2], keepDims: true });

  // The FusedBatchNorm gradient: tfjs-core's own against ours, training mode as in tfjs-layers.
  const shipped = shippedBatchNormGradientConfig();
  if (shipped) {
    const x = r([64, 32, 32, 64]);
    const scale = tf.ones([64]);
    const offset = tf.zeros([64]);
    const grad = tf.grads((xx: tf.Tensor, s: tf.Tensor, o: tf.Tensor) => {
      const { mean, variance } = tf.moments(xx, [0, 1, 2]);
      return tf.batchNorm(xx as tf.Tensor4D, mean, variance, o, s, 1e-3).sum();
    });
    tf.registerGradient(shipped);
    const shippedMs = time(() => grad([x, scale, offset]), repeats);
    tf.registerGradient(batchNormGradConfig);
    const oursMs = time(() => grad([x, scale, offset]), repeats);
    rows.push({ what: 'BatchNorm forward+gradient x[64,32,32,64] (training mode)', shippedMs, oursMs });
    tf.dispose([x, scale, offset]);
  }
  return rows;
}

async function main(argv: string[]): Promise<void> {
  const mode = argv[0] ?? 'step';
  const flag = (name: string, fallback: string) => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 && argv[i + 1] != null ? argv[i + 1] : fallback;
  };
  const info = await initBackend(flag('backend', 'auto') as BackendChoice, {
    threads: argv.includes('--threads') ? Number(flag('threads', '2')) : undefined,
    log: (m) => console.error(m),
  });
  console.log(`backend ${info.name}, ${info.threads} thread(s): ${info.reason}`);
  if (mode === 'kernels') {
    for (const row of timeKernels(Number(flag('repeats', '5')))) {
      const shipped = row.shippedMs == null ? 'shipped: none' : `shipped ${row.shippedMs.toFixed(1)} ms`;
      const speedup = row.shippedMs == null ? '' : ` (${(row.shippedMs / row.oursMs).toFixed(1)}x)`;
      const forward = row.forwardMs == null ? '' : `; forward kernel ${row.forwardMs.toFixed(1)} ms`;
      console.log(`${row.what}: ${shipped}, ours ${row.oursMs.toFixed(1)} ms${speedup}${forward}`);
    }
  } else {
    const batch = Number(flag('batch', '128'));
    const t = timeSmallCnnStep(batch, Number(flag('steps', '5')));
    console.log(`small CNN training step, batch ${batch}: median ${t.medianMs.toFixed(0)} ms; ` +
      `tensors ${t.tensorsBefore} before a step, ${t.tensorsAfter} after (${t.tensorsAfter - t.tensorsBefore} leaked)`);
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
