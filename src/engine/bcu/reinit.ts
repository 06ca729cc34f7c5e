/**
 * BCU step 1: the student starts as a copy of the teacher in which every kernel and bias element
 * of a weighted layer is, independently with the layer's probability p, replaced by a fresh value
 * from that layer's own initializer (as the reference does: per-scalar Bernoulli, no rescaling of
 * the kept values). BatchNorm parameters and running statistics are copied untouched.
 */
import * as tf from '@tensorflow/tfjs';
import { derivedRng } from '../random';
import type { SchedulePlan } from './reinitSchedule';

export interface ReinitLayerResult {
  name: string;
  kind: string;
  params: number;
  ratio: number;
  /** Share of the layer's elements actually replaced. */
  fraction: number;
}

/** Initializer property for each weight a weighted layer owns (by the weight's base name). */
const INITIALIZER_OF: Record<string, string> = {
  kernel: 'kernelInitializer',
  bias: 'biasInitializer',
  depthwise_kernel: 'depthwiseInitializer',
  pointwise_kernel: 'pointwiseInitializer',
};

interface SeededInitializer {
  apply(shape: number[], dtype?: tf.DataType): tf.Tensor;
  seed?: number;
}

/** A copy of the layer's initializer drawing from its own seed, so a run is reproducible. */
function seededInitializer(layer: tf.layers.Layer, weightBase: string, seed: number): SeededInitializer {
  const prop = INITIALIZER_OF[weightBase];
  const original = prop ? ((layer as unknown as Record<string, SeededInitializer | undefined>)[prop]) : undefined;
  if (!original) return tf.initializers.glorotUniform({ seed }) as unknown as SeededInitializer;
  const copy = Object.assign(Object.create(Object.getPrototypeOf(original)), original) as SeededInitializer;
  if ('seed' in copy) copy.seed = seed;
  return copy;
}

/** Where replaced values are drawn from: each layer's own (Keras) initializer, or PyTorch's. */
export type ReinitDraw = 'layer' | 'pytorch';

/**
 * PyTorch's draws for a fresh weight, as the reference's re-initialization gets them:
 * convolution kernels kaiming_normal_(mode='fan_out', nonlinearity='relu'), i.e. normal with
 * std sqrt(2 / (kh * kw * out)); dense kernels and every bias PyTorch's layer default,
 * uniform in +-1/sqrt(fan_in) (fan_in = kh * kw * in for a convolution, in for a dense layer).
 * Null for weights with no such rule (the layer's own initializer is used).
 */
export function pytorchDraw(layer: tf.layers.Layer, weightBase: string, shape: number[], seed: number): tf.Tensor | null {
  const kind = layer.getClassName();
  const kernelShape = layer.getWeights()[0]?.shape ?? shape;
  if (kind === 'Conv2D') {
    const [kh, kw, inC, outC] = kernelShape;
    if (weightBase === 'kernel') return tf.randomNormal(shape, 0, Math.sqrt(2 / (kh * kw * outC)), 'float32', seed);
    const bound = 1 / Math.sqrt(kh * kw * inC);
    if (weightBase === 'bias') return tf.randomUniform(shape, -bound, bound, 'float32', seed);
  }
  if (kind === 'Dense') {
    const bound = 1 / Math.sqrt(kernelShape[0]);
    if (weightBase === 'kernel' || weightBase === 'bias') return tf.randomUniform(shape, -bound, bound, 'float32', seed);
  }
  return null;
}

function freshValues(layer: tf.layers.Layer, base: string, shape: number[], seed: number, draw: ReinitDraw): tf.Tensor {
  return (draw === 'pytorch' ? pytorchDraw(layer, base, shape, seed) : null) ?? seededInitializer(layer, base, seed).apply(shape, 'float32');
}

function baseName(variableName: string): string {
  const last = variableName.split('/').pop() ?? variableName;
  return last.replace(/_\d+$/, '');
}

/** Clones a LayersModel (topology and weights) through an in-memory save/load. */
export async function cloneModel(model: tf.LayersModel): Promise<tf.LayersModel> {
  let artifacts: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (a) => {
      artifacts = a;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  return tf.loadLayersModel(tf.io.fromMemory(artifacts as tf.io.ModelArtifacts));
}

/** Applies the plan to `student` in place (it must be a copy of the teacher). */
export function reinitializeInPlace(student: tf.LayersModel, plan: SchedulePlan, seed: number, draw: ReinitDraw = 'layer'): ReinitLayerResult[] {
  const planByName = new Map(plan.layers.map((l) => [l.name, l]));
  // Streams are keyed by layer position, not name: auto-generated names differ between processes.
  return student.layers.map((layer, index): ReinitLayerResult => {
    const entry = planByName.get(layer.name);
    const ratio = entry?.ratio ?? 0;
    const params = entry?.params ?? 0;
    if (ratio <= 0) return { name: layer.name, kind: layer.getClassName(), params, ratio: 0, fraction: 0 };
    let replaced = 0;
    let total = 0;
    for (const variable of layer.trainableWeights) {
      const base = baseName(variable.originalName ?? variable.name);
      const rng = derivedRng(seed, `reinit/${index}/${base}`);
      const shape = variable.shape as number[];
      const mask = tf.tidy(() => tf.less(tf.randomUniform(shape, 0, 1, 'float32', rng.seed()), ratio));
      const next = tf.tidy(() => tf.where(mask, freshValues(layer, base, shape, rng.seed(), draw), variable.read()));
      const count = tf.tidy(() => mask.sum().dataSync()[0]);
      variable.write(next);
      tf.dispose([mask, next]);
      replaced += count;
      total += variable.read().size;
    }
    return { name: layer.name, kind: layer.getClassName(), params, ratio, fraction: total ? replaced / total : 0 };
  });
}

/**
 * Re-initializes whole output channels of convolutions (kernel slice and bias) from the layer's
 * own initializer: the targeted part of the re-initialization, for channels a diagnostic singles
 * out (e.g. channel Lipschitz outliers). Returns how many channels each layer got.
 */
export function reinitializeChannels(student: tf.LayersModel, channels: Map<string, number[]>, seed: number, draw: ReinitDraw = 'layer'): Map<string, number> {
  const done = new Map<string, number>();
  student.layers.forEach((layer, index) => {
    const chosen = channels.get(layer.name);
    if (!chosen || chosen.length === 0) return;
    for (const variable of layer.trainableWeights) {
      const base = baseName(variable.originalName ?? variable.name);
      const shape = variable.shape as number[];
      const outChannels = shape[shape.length - 1];
      const rng = derivedRng(seed, `reinit-channels/${index}/${base}`);
      const selector = new Float32Array(outChannels);
      for (const k of chosen) selector[k] = 1;
      const next = tf.tidy(() => {
        const mask = tf.tensor1d(selector).greater(0.5).reshape([...shape.slice(0, -1).map(() => 1), outChannels]);
        const fresh = freshValues(layer, base, shape, rng.seed(), draw);
        return tf.where(tf.broadcastTo(mask, shape), fresh, variable.read());
      });
      variable.write(next);
      next.dispose();
    }
    done.set(layer.name, chosen.length);
  });
  return done;
}
