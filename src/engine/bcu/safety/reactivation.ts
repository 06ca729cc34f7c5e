/**
 * Re-activation probe (evaluation mode: labeled data and the trigger are known). A cleanse that only
 * hides the backdoor leaves it a few gradient steps away: fine-tuning on a handful of triggered
 * images brings it back much faster than it would plant a new one ("superficial safety", Min et
 * al., "Towards Stable Backdoor Purification through Feature Shift Tuning", NeurIPS 2023; the
 * re-activation attack of Zhu et al., "Uncovering, Explaining, and Mitigating the Superficial Safety
 * of Backdoor Defense", NeurIPS 2024). We fine-tune a COPY of the attacked and of the cleansed model
 * with plain SGD on `poisoned` triggered images labeled as the target mixed with as many clean
 * labeled images, and report ASR after each step count. The copies are disposed.
 */
import * as tf from '@tensorflow/tfjs';
import type { ReactivationProbe } from '../../../shared/report';
import { memorySource } from '../../data/memorySource';
import { normalize } from '../../data/normalize';
import type { ImageSource, Scaling } from '../../data/types';
import { throwIfAborted } from '../../errors';
import { evaluateModel } from '../../evaluate';
import { logitsView } from '../../training/logits';
import { derivedRng, permutation } from '../../random';
import { cloneModel } from '../reinit';
import { applyTrigger, type PreparedTrigger } from '../../triggers';

export interface ReactivationOptions {
  trigger: PreparedTrigger;
  scaling: Scaling;
  /** Cumulative fine-tuning steps after which ASR is measured (default 0, 5, 10, 20). */
  steps?: number[];
  /** Triggered images (labeled as the target); as many clean ones are mixed in (default 64). */
  poisoned?: number;
  batchSize?: number;
  lr?: number;
  /** Labeled images ASR is measured on (after the fine-tuning images; default 1000). */
  evalImages?: number;
  seed?: number;
  signal?: AbortSignal;
}

interface Pool {
  x: tf.Tensor4D;
  y: Int32Array;
}

/** Reads the first `count` labeled images of `source` as raw pixels in one tensor. */
async function readLabeled(source: ImageSource, count: number, signal?: AbortSignal): Promise<Pool> {
  const xs: tf.Tensor4D[] = [];
  const ys: number[] = [];
  for await (const batch of source.batches(256, { take: count, signal })) {
    xs.push(batch.x);
    ys.push(...(batch.labels ?? []));
  }
  const x = xs.length === 1 ? xs[0] : (tf.concat(xs) as tf.Tensor4D);
  if (xs.length > 1) tf.dispose(xs);
  return { x, y: Int32Array.from(ys) };
}

/** The fine-tuning set an attacker would use: triggered non-target images relabeled, plus clean ones. */
function buildFineTuneSet(pool: Pool, trigger: PreparedTrigger, poisoned: number): Pool {
  const target = trigger.spec.target;
  const nonTarget: number[] = [];
  pool.y.forEach((label, i) => label !== target && nonTarget.push(i));
  const trig = nonTarget.slice(0, poisoned);
  const used = new Set(trig);
  const clean = Array.from(pool.y.keys()).filter((i) => !used.has(i)).slice(0, poisoned);
  const x = tf.tidy(() => {
    const triggered = applyTrigger(tf.gather(pool.x, tf.tensor1d(trig, 'int32')) as tf.Tensor4D, trigger);
    return tf.concat([triggered, tf.gather(pool.x, tf.tensor1d(clean, 'int32'))]) as tf.Tensor4D;
  });
  const y = Int32Array.from([...trig.map(() => target), ...clean.map((i) => pool.y[i])]);
  return { x, y };
}

/** ASR of `model` after each cumulative step count of SGD on the fine-tuning set; `model` is changed. */
async function asrCurve(
  model: tf.LayersModel,
  train: Pool,
  evalSource: ImageSource,
  options: ReactivationOptions & { steps: number[] },
): Promise<number[]> {
  const view = logitsView(model);
  const optimizer = tf.train.sgd(options.lr ?? 0.01);
  const rng = derivedRng(options.seed ?? 0, 'reactivation');
  const batchSize = Math.min(options.batchSize ?? 32, train.y.length);
  const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const asr: number[] = [];
  let done = 0;
  let order: number[] = [];
  try {
    for (const target of options.steps) {
      while (done < target) {
        throwIfAborted(options.signal);
        if (order.length < batchSize) order = order.concat(Array.from(permutation(train.y.length, rng)));
        const idx = order.splice(0, batchSize);
        const cost = optimizer.minimize(
          () =>
            tf.tidy(() => {
              const x = normalize(tf.gather(train.x, tf.tensor1d(idx, 'int32')) as tf.Tensor4D, options.scaling);
              const y = tf.oneHot(tf.tensor1d(idx.map((i) => train.y[i]), 'int32'), model.outputs[0].shape[1] as number);
              return tf.losses.softmaxCrossEntropy(y, view.model.apply(x, { training: true }) as tf.Tensor) as tf.Scalar;
            }),
          true,
          variables,
        );
        cost?.dispose();
        done++;
      }
      // Logits and probabilities share their argmax, so the logits view scores ASR as well.
      const m = await evaluateModel(model, evalSource, {
        scaling: options.scaling,
        trigger: options.trigger,
        signal: options.signal,
        predict: (x) => view.model.predict(x, { batchSize: Math.max(1, x.shape[0]) }) as tf.Tensor,
      });
      asr.push(m.asr ?? 0);
    }
  } finally {
    view.restore();
    optimizer.dispose();
  }
  return asr;
}

/** Runs the probe on copies of both models; the originals are left untouched. */
export async function reactivationProbe(
  attacked: tf.LayersModel,
  cleansed: tf.LayersModel,
  evalSource: ImageSource,
  options: ReactivationOptions,
): Promise<ReactivationProbe> {
  const steps = options.steps ?? [0, 5, 10, 20];
  const poisoned = options.poisoned ?? 64;
  const evalImages = options.evalImages ?? 1000;
  // Fine-tuning images come first; the rest (at least half of a small set) measure ASR.
  const reserve = Math.min(4 * poisoned, Math.floor(evalSource.count / 2));
  const pool = await readLabeled(evalSource, reserve + evalImages, options.signal);
  const cleanupLater: tf.Tensor[] = [pool.x];
  try {
    const head: Pool = { x: pool.x.slice(0, reserve), y: pool.y.slice(0, reserve) };
    cleanupLater.push(head.x);
    const train = buildFineTuneSet(head, options.trigger, poisoned);
    cleanupLater.push(train.x);
    const rest = pool.y.length - reserve;
    if (rest <= 0) throw new Error(`reactivation probe: ${evalSource.path} has too few labeled images (${pool.y.length})`);
    const restPixels = tf.tidy(() => tf.clipByValue(pool.x.slice(reserve), 0, 255).round().asType('int32'));
    const evalSet = memorySource(Uint8Array.from(restPixels.dataSync()), pool.y.slice(reserve), evalSource.shape, rest);
    restPixels.dispose();
    const curve = async (model: tf.LayersModel) => {
      const copy = await cloneModel(model);
      try {
        return await asrCurve(copy, train, evalSet, { ...options, steps });
      } finally {
        copy.dispose();
      }
    };
    const attackedAsr = await curve(attacked);
    const cleansedAsr = await curve(cleansed);
    return { steps, attackedAsr, cleansedAsr, images: train.y.length };
  } finally {
    tf.dispose(cleanupLater);
  }
}
