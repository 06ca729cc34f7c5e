/**
 * Scoring a classifier: clean accuracy (ACC), attack success rate (ASR) and robust accuracy (RA)
 * with BackdoorBench's conventions, so our numbers compare with the BCU paper's (Pang et al.,
 * CVPR 2023) and the literature's; and teacher/student agreement, which needs no labels.
 *
 * - ACC: top-1 on clean labeled images.
 * - ASR: among triggered images whose TRUE class is not the target, the share predicted as the
 *   target. Target-class images are left out: predicting the target there is no attack success.
 * - RA: among those same triggered images, the share predicted as their true class.
 */
import * as tf from '@tensorflow/tfjs';
import type { Metrics } from '../shared/report';
import { normalize } from './data/normalize';
import type { ImageSource, Scaling } from './data/types';
import { InputError, throwIfAborted } from './errors';
import { applyTrigger, type PreparedTrigger } from './triggers';

/** Top-1 predictions to score, aligned image by image. */
export interface PredictionSet {
  /** True class of each image. */
  labels: ArrayLike<number>;
  /** Predicted class of each clean image. */
  clean: ArrayLike<number>;
  /**
   * Predicted class of each image's triggered version, aligned with `labels`. Entries of
   * target-class images are ignored (they may hold anything, e.g. -1 when not computed).
   */
  triggered?: ArrayLike<number> | null;
  /** The trigger's target class; required with `triggered`. */
  target?: number | null;
}

/** ACC/ASR/RA from top-1 predictions; null where a figure has no images to be computed on. */
export function metricsFromPredictions(p: PredictionSet): Metrics {
  const n = p.labels.length;
  if (p.clean.length !== n) throw new Error(`metrics: ${p.clean.length} clean predictions for ${n} labels`);
  let correct = 0;
  for (let i = 0; i < n; i++) if (p.clean[i] === p.labels[i]) correct++;

  let nTriggered = 0;
  let toTarget = 0;
  let toTrueClass = 0;
  if (p.triggered) {
    if (p.triggered.length !== n) throw new Error(`metrics: ${p.triggered.length} triggered predictions for ${n} labels`);
    if (p.target === null || p.target === undefined) throw new Error('metrics: triggered predictions need the target class');
    for (let i = 0; i < n; i++) {
      if (p.labels[i] === p.target) continue;
      nTriggered++;
      if (p.triggered[i] === p.target) toTarget++;
      if (p.triggered[i] === p.labels[i]) toTrueClass++;
    }
  }
  return {
    acc: n > 0 ? correct / n : null,
    asr: nTriggered > 0 ? toTarget / nTriggered : null,
    ra: nTriggered > 0 ? toTrueClass / nTriggered : null,
    n,
    nTriggered,
  };
}

/** Share of positions where two prediction lists agree (teacher vs student); null when empty. */
export function agreementFromPredictions(a: ArrayLike<number>, b: ArrayLike<number>): number | null {
  if (a.length !== b.length) throw new Error(`agreement: ${a.length} vs ${b.length} predictions`);
  if (a.length === 0) return null;
  let same = 0;
  for (let i = 0; i < a.length; i++) if (a[i] === b[i]) same++;
  return same / a.length;
}

export interface EvaluateOptions {
  /** How the model expects its inputs scaled from raw pixels. */
  scaling: Scaling;
  /** When given, ASR and RA are measured with it; else they are null. */
  trigger?: PreparedTrigger;
  batchSize?: number;
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
  /** Model inputs (already scaled) to scores per class; defaults to model.predict. */
  predict?: (x: tf.Tensor4D) => tf.Tensor;
}

const DEFAULT_BATCH = 64;

/** Streams a labeled source once: clean predictions for ACC, triggered non-target images for ASR/RA. */
export async function evaluateModel(model: tf.LayersModel, source: ImageSource, options: EvaluateOptions): Promise<Metrics> {
  if (!source.labeled) {
    throw new InputError(
      `${source.path}: evaluation needs labeled images (one subfolder per class, or an IDX labels file beside the images).`,
      source.path,
    );
  }
  if (!options.predict) checkInputShape(model, source);
  const { trigger, signal } = options;
  const predictTop1 = top1Predictor(model, options);
  const labels: number[] = [];
  const clean: number[] = [];
  const triggered: number[] = [];

  for await (const batch of source.batches(options.batchSize ?? DEFAULT_BATCH, { signal })) {
    try {
      throwIfAborted(signal);
      if (!batch.labels) {
        throw new InputError(`${source.path}: some images have no label; evaluation needs every image labeled.`, source.path);
      }
      const batchLabels = batch.labels;
      const cleanTop1 = await predictTop1(batch.x);
      checkClasses(source.path, batchLabels, cleanTop1.classes, trigger, source.classNames != null);
      const triggeredTop1 = new Int32Array(batchLabels.length).fill(-1);
      if (trigger) {
        // Only non-target images count for ASR/RA, so only those are triggered and scored.
        const scored: number[] = [];
        for (let i = 0; i < batchLabels.length; i++) if (batchLabels[i] !== trigger.spec.target) scored.push(i);
        if (scored.length > 0) {
          const xTriggered = tf.tidy(() => {
            const subset = scored.length === batchLabels.length ? batch.x : tf.gather(batch.x, tf.tensor1d(scored, 'int32'));
            return applyTrigger(subset as tf.Tensor4D, trigger);
          });
          try {
            const preds = (await predictTop1(xTriggered)).top1;
            scored.forEach((i, k) => (triggeredTop1[i] = preds[k]));
          } finally {
            xTriggered.dispose();
          }
        }
      }
      for (let i = 0; i < batchLabels.length; i++) {
        labels.push(batchLabels[i]);
        clean.push(cleanTop1.top1[i]);
        triggered.push(triggeredTop1[i]);
      }
    } finally {
      batch.x.dispose();
    }
    options.onProgress?.(labels.length, source.count);
  }
  return metricsFromPredictions({ labels, clean, triggered: trigger ? triggered : null, target: trigger?.spec.target ?? null });
}

export interface AgreementOptions {
  scaling: Scaling;
  batchSize?: number;
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
}

/** Share of the source's images on which both models give the same top-1 class (labels unused). */
export async function agreement(
  teacher: tf.LayersModel,
  student: tf.LayersModel,
  source: ImageSource,
  options: AgreementOptions,
): Promise<number> {
  const teacherTop1 = top1Predictor(teacher, options);
  const studentTop1 = top1Predictor(student, options);
  const a: number[] = [];
  const b: number[] = [];
  for await (const batch of source.batches(options.batchSize ?? DEFAULT_BATCH, { signal: options.signal })) {
    try {
      throwIfAborted(options.signal);
      a.push(...(await teacherTop1(batch.x)).top1);
      b.push(...(await studentTop1(batch.x)).top1);
    } finally {
      batch.x.dispose();
    }
    options.onProgress?.(a.length, source.count);
  }
  const share = agreementFromPredictions(a, b);
  if (share === null) throw new InputError(`${source.path}: no images to compare the two models on.`, source.path);
  return share;
}

interface Top1 {
  top1: Int32Array;
  /** Number of classes the model scores. */
  classes: number;
}

/** Raw pixels -> scaled inputs -> scores -> top-1 class per image, with nothing left allocated. */
function top1Predictor(
  model: tf.LayersModel,
  options: { scaling: Scaling; predict?: (x: tf.Tensor4D) => tf.Tensor },
): (x: tf.Tensor4D) => Promise<Top1> {
  const predict =
    options.predict ??
    ((x: tf.Tensor4D): tf.Tensor => {
      const out = model.predict(x, { batchSize: Math.max(1, x.shape[0]) });
      if (Array.isArray(out)) {
        throw new InputError(`the model has ${out.length} outputs; evaluation needs a classifier with one output.`);
      }
      return out;
    });
  return async (x) => {
    let classes = 0;
    const top = tf.tidy(() => {
      const scores = predict(normalize(x, options.scaling));
      if (scores.rank !== 2) {
        throw new InputError(`the model's output has shape [${scores.shape.join(', ')}]; evaluation needs class scores [batch, classes].`);
      }
      classes = scores.shape[1] as number;
      return scores.argMax(-1);
    });
    try {
      return { top1: (await top.data()) as Int32Array, classes };
    } finally {
      top.dispose();
    }
  };
}

function checkInputShape(model: tf.LayersModel, source: ImageSource): void {
  const expected = model.inputs[0]?.shape;
  if (!expected || expected.length !== 4) return;
  const { height, width, channels } = source.shape;
  const [, h, w, c] = expected;
  if ((h !== null && h !== height) || (w !== null && w !== width) || (c !== null && c !== channels)) {
    throw new InputError(
      `${source.path}: images are read as ${height}x${width}x${channels} but the model expects ${h}x${w}x${c}; open the data at the model's input shape.`,
      source.path,
    );
  }
}

function checkClasses(sourcePath: string, labels: Int32Array, classes: number, trigger?: PreparedTrigger, fromFolders = true): void {
  if (trigger && trigger.spec.target >= classes) {
    throw new InputError(
      `trigger target ${trigger.spec.target} is not a class of this model (it has ${classes} outputs); fix "target" in the trigger spec.`,
    );
  }
  for (const label of labels) {
    if (label >= 0 && label < classes) continue;
    // Class folders are counted by the folder scan; an IDX labels file states numbers directly.
    const advice = fromFolders
      ? 'check the class folders (or classes.txt) against the model.'
      : `the labels file beside it says so; use the labels file that belongs to these images and this model (labels 0 to ${classes - 1}).`;
    throw new InputError(`${sourcePath}: an image has label ${label} but the model has ${classes} outputs; ${advice}`, sourcePath);
  }
}
