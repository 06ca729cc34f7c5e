/**
 * NAD, Neural Attention Distillation (Li, Lyu, Koren, Lyu, Li, Ma, "Neural Attention
 * Distillation: Erasing Backdoor Triggers from Deep Neural Networks", ICLR 2021).
 *  1. Teacher: a copy of the suspicious model fine-tuned on the defender's labeled images (FT,
 *     `teacherEpochs`, 10 in the paper and BackdoorBench).
 *  2. Student: the suspicious model itself, trained with
 *       CE(labels) + sum_k beta_k * AT(student_k, teacher_k)
 *     at the output of each depth stage k (the last conv of the stage, or the residual Add it
 *     feeds: the block output). The attention map of activations a (N,H,W,C) is
 *     Q = mean_c |a|^p (p = 2), flattened per image and L2-normalized; AT is the mean squared
 *     difference of the two maps over batch and positions (BackdoorBench's AT, F.mse_loss).
 *     betas 500/1000/1000 for the last three stages, as the paper and BackdoorBench use them.
 * SGD momentum 0.9, weight decay 5e-4, cosine learning rate. Teacher in inference mode.
 * Needs: labeled images.
 */
import * as tf from '@tensorflow/tfjs';
import type { EngineEventSink } from '../../shared/protocol';
import { randomCropFlip } from '../training/augment';
import { normalize } from '../data/normalize';
import type { ImageSource } from '../data/types';
import { DivergedError, InputError, throwIfAborted } from '../errors';
import { logitsView } from '../training/logits';
import { derivedRng } from '../random';
import { cloneModel } from '../bcu/reinit';
import { depthGroups } from '../bcu/reinitSchedule';
import { cosineLrAt } from '../bcu/schedules';
import { applyGradientsWithDecay } from '../training/sgd';
import type { TrainEpoch } from '../attackLab/train';
import { TrainingClock, yieldToEventLoop } from '../training/trainingClock';
import { fineTune, type FineTuneSettings } from './ft';

/** The paper's and BackdoorBench's weights for the last three stages (shallow to deep). */
export const NAD_BETAS = [500, 1000, 1000];

export interface NadSettings extends FineTuneSettings {
  teacherEpochs: number;
  /** Exponent of the attention map (2 in the paper). */
  p: number;
  /** One weight per attention point, shallow to deep; default: the last NAD_BETAS entries. */
  betas?: number[];
}

export interface AttentionPoint {
  stage: string;
  layer: string;
  beta: number;
}

/** Attention map: mean over channels of |a|^p, flattened per image, L2-normalized (N, H*W). */
export function attentionMap(activations: tf.Tensor4D, p = 2): tf.Tensor2D {
  return tf.tidy(() => {
    const [n, h, w] = activations.shape;
    const map = tf.reshape(tf.mean(tf.pow(tf.abs(activations), p), 3), [n, h * w]);
    return tf.div(map, tf.add(tf.norm(map, 2, 1, true), 1e-6)) as tf.Tensor2D;
  });
}

/** AT loss: mean squared difference of the two attention maps (0 for identical activations). */
export function attentionLoss(student: tf.Tensor4D, teacher: tf.Tensor4D, p = 2): tf.Scalar {
  return tf.tidy(() => tf.mean(tf.squaredDifference(attentionMap(student, p), attentionMap(teacher, p))) as tf.Scalar);
}

/** Where attention is compared: per depth stage with a convolution, its block output, deepest three. */
export function attentionPoints(model: tf.LayersModel, betas?: number[]): AttentionPoint[] {
  const { groups, groupOf } = depthGroups(model);
  const points: { stage: string; layer: string }[] = [];
  for (const stage of groups.filter((g) => g.startsWith('stage'))) {
    const convs = model.layers.filter((l) => groupOf.get(l.name) === stage && l.getClassName() === 'Conv2D');
    if (convs.length === 0) continue;
    let point: tf.layers.Layer = convs[convs.length - 1];
    const next = ((point as unknown as { outboundNodes: { outboundLayer: tf.layers.Layer }[] }).outboundNodes ?? []).map((n) => n.outboundLayer);
    if (next.length === 1 && next[0].getClassName() === 'Add') point = next[0];
    points.push({ stage, layer: point.name });
  }
  if (points.length === 0) throw new InputError('NAD needs convolution stages to compare attention at; this model has none.');
  const chosen = points.slice(-3);
  const weights = betas ?? NAD_BETAS.slice(-chosen.length);
  if (weights.length !== chosen.length) throw new InputError(`NAD: ${weights.length} betas for ${chosen.length} attention points (${chosen.map((c) => c.layer).join(', ')})`);
  return chosen.map((c, i) => ({ ...c, beta: weights[i] }));
}

/** A model giving [logits, ...activations at the attention points], sharing `model`'s weights. */
function withAttentionOutputs(model: tf.LayersModel, logits: tf.LayersModel, points: AttentionPoint[]): tf.LayersModel {
  const outputs = [logits.outputs[0], ...points.map((p) => model.getLayer(p.layer).output as tf.SymbolicTensor)];
  return tf.model({ inputs: logits.inputs, outputs });
}

export interface NadResult {
  points: AttentionPoint[];
  teacherHistory: TrainEpoch[];
  history: (TrainEpoch & { attentionLoss: number })[];
}

/** Runs NAD on `model` in place. */
export async function neuralAttentionDistillation(
  model: tf.LayersModel,
  source: ImageSource,
  settings: NadSettings,
  sink: EngineEventSink,
): Promise<NadResult> {
  const allLabels = source.labels();
  if (!allLabels) throw new InputError(`${source.path}: NAD needs labels (one subfolder per class, or an IDX labels file)`, source.path);
  const points = attentionPoints(model, settings.betas);
  sink({ type: 'log', level: 'info', message: `NAD: fine-tuning the teacher for ${settings.teacherEpochs} epochs; attention at ${points.map((p) => `${p.layer} (beta ${p.beta})`).join(', ')}` });
  const teacher = await cloneModel(model);
  const studentView = logitsView(model);
  const teacherView = logitsView(teacher);
  const optimizer = tf.train.momentum(settings.lr, settings.momentum);
  try {
    const teacherHistory = await fineTune(teacher, source, { ...settings, epochs: settings.teacherEpochs, seed: settings.seed + 1 }, sink);
    const teacherNet = withAttentionOutputs(teacher, teacherView.model, points);
    const studentNet = withAttentionOutputs(model, studentView.model, points);
    const classes = studentNet.outputs[0].shape[1] as number;
    const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
    const augmentRng = derivedRng(settings.seed, 'nad-augment');
    const steps = Math.ceil(source.count / settings.batchSize);
    const history: NadResult['history'] = [];
    const clock = new TrainingClock(settings.epochs * source.count);
    for (let epoch = 0; epoch < settings.epochs; epoch++) {
      const lr = cosineLrAt(epoch, settings.epochs, settings.lr);
      optimizer.setLearningRate(lr);
      const t0 = Date.now();
      let lossSum = 0;
      let atSum = 0;
      let correct = 0;
      let seen = 0;
      let step = 0;
      for await (const batch of source.batches(settings.batchSize, { shuffle: true, seed: derivedRng(settings.seed, `nad-order/${epoch}`).seed(), signal: settings.signal })) {
        throwIfAborted(settings.signal);
        const labels = Int32Array.from(batch.indices, (i) => allLabels[i]);
        const input = tf.tidy(() => normalize(randomCropFlip(batch.x, { padding: settings.cropPadding, flip: settings.flip }, augmentRng), settings.scaling));
        batch.x.dispose();
        const oneHot = tf.tidy(() => tf.oneHot(tf.tensor1d(labels, 'int32'), classes));
        const teacherActs = tf.tidy(() => (teacherNet.apply(input, { training: false }) as tf.Tensor[]).slice(1).map((t) => tf.keep(t)));
        let predicted: tf.Tensor | null = null;
        let at: tf.Scalar | null = null;
        const { value, grads } = tf.variableGrads(() => {
          const [logits, ...acts] = studentNet.apply(input, { training: true }) as tf.Tensor[];
          predicted = tf.keep(tf.argMax(logits, 1));
          const atTotal = acts.reduce<tf.Scalar>((sum, a, k) => tf.add(sum, tf.mul(attentionLoss(a as tf.Tensor4D, teacherActs[k] as tf.Tensor4D, settings.p), points[k].beta)), tf.scalar(0));
          at = tf.keep(atTotal);
          return tf.add(tf.losses.softmaxCrossEntropy(oneHot, logits), atTotal) as tf.Scalar;
        }, variables);
        applyGradientsWithDecay(optimizer, variables, grads, settings.weightDecay);
        const loss = value.dataSync()[0];
        const atValue = (at as unknown as tf.Scalar).dataSync()[0];
        const pred = (predicted as unknown as tf.Tensor).dataSync();
        tf.dispose([value, input, oneHot, ...teacherActs, predicted as unknown as tf.Tensor, at as unknown as tf.Tensor, ...Object.values(grads)]);
        if (!Number.isFinite(loss)) throw new DivergedError(epoch, step, loss);
        const n = labels.length;
        for (let i = 0; i < n; i++) if (pred[i] === labels[i]) correct++;
        lossSum += loss * n;
        atSum += atValue * n;
        seen += n;
        step++;
        sink({ type: 'progress', phase: 'train', epoch: epoch + 1, epochs: settings.epochs, step, steps, ...clock.advance(n), loss });
        await yieldToEventLoop();
      }
      const record = { epoch: epoch + 1, loss: lossSum / Math.max(1, seen), attentionLoss: atSum / Math.max(1, seen), trainAcc: correct / Math.max(1, seen), lr, seconds: (Date.now() - t0) / 1000 };
      history.push(record);
      sink({ type: 'log', level: 'info', message: `NAD epoch ${record.epoch}: loss ${record.loss.toFixed(4)} (attention ${record.attentionLoss.toFixed(4)}), train acc ${(100 * record.trainAcc).toFixed(2)} %` });
    }
    return { points, teacherHistory, history };
  } finally {
    optimizer.dispose();
    studentView.restore();
    teacherView.restore();
    teacher.dispose();
  }
}
