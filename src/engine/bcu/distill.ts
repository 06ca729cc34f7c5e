/**
 * BCU step 2: distill the frozen teacher into the re-initialized student on unlabeled images.
 * Teacher in inference mode; student in training mode (its BatchNorm statistics update); loss
 * KL(softmax(z_t/T) || softmax(z_s/T)), batch mean, optionally times T^2 (the reference omits it);
 * SGD with momentum and PyTorch-style weight decay (added to the gradient); cosine learning rate
 * stepped per epoch; temperature rising per epoch. No labels are read anywhere here.
 */
import * as tf from '@tensorflow/tfjs';
import type { EpochRecord } from '../../shared/report';
import type { EngineEventSink } from '../../shared/protocol';
import { consistencyPerturb, randomCropFlip, type AugmentOptions, type ConsistencyOptions } from '../training/augment';
import { normalize } from '../data/normalize';
import type { ImageSource, Scaling } from '../data/types';
import { DivergedError, throwIfAborted } from '../errors';
import { derivedRng } from '../random';
import { cosineLrAt, temperatureAt } from './schedules';
import { applyGradientsWithDecay } from '../training/sgd';
import { TrainingClock, yieldToEventLoop } from '../training/trainingClock';

/** The optimization settings a cleanse and its defaults share. */
export interface DistillHyperparameters {
  epochs: number;
  batchSize: number;
  lr: number;
  lrSchedule: 'cosine' | 'constant';
  momentum: number;
  weightDecay: number;
  temperatureStart: number;
  temperatureEnd: number;
  temperatureSquared: boolean;
  scaling: Scaling;
  seed: number;
}

export interface DistillOptions extends DistillHyperparameters {
  /** Largest batch pushed through the student at once; gradients are accumulated over the rest. */
  microBatch: number;
  augment: AugmentOptions;
  /** Perturbations only the student sees (off when absent): see consistencyPerturb. */
  consistency?: ConsistencyOptions;
  /** Last epochs in which the student sees exactly the teacher's images (no consistency perturbation): recovery after unlearning. */
  recoveryEpochs?: number;
  /**
   * Share of images replaced by a mixup with another image of the batch (weight uniform in 0..1),
   * the same mixed image for teacher and student: function matching (Beyer et al., CVPR 2022).
   */
  mixup?: number;
  /** Images per epoch (default: the whole source). */
  imagesPerEpoch?: number;
  signal?: AbortSignal;
  /** Called after each epoch with the student as it is then (e.g. labeled evaluation, snapshots). */
  afterEpoch?: (record: EpochRecord) => Promise<void>;
  /** Asked after each epoch (after afterEpoch): true ends the distillation early (see selection.ts). */
  stopAfter?: (record: EpochRecord) => boolean;
}

/** KL(p_t || p_s) at temperature T, mean over the batch (PyTorch KLDivLoss 'batchmean'). */
export function distillationLoss(teacherLogits: tf.Tensor, studentLogits: tf.Tensor, temperature: number, squared: boolean): tf.Scalar {
  return tf.tidy(() => {
    const logPt = tf.logSoftmax(tf.div(teacherLogits, temperature));
    const logPs = tf.logSoftmax(tf.div(studentLogits, temperature));
    const kl = tf.sum(tf.mul(tf.exp(logPt), tf.sub(logPt, logPs)));
    const mean = tf.div(kl, teacherLogits.shape[0]) as tf.Scalar;
    return squared ? (tf.mul(mean, temperature * temperature) as tf.Scalar) : mean;
  });
}

/** Replaces a share of the images by (1 - w) x_i + w x_j, j another image of the batch, w uniform in 0..1. */
export function mixPairs(x: tf.Tensor4D, share: number, rng: ReturnType<typeof derivedRng>): tf.Tensor4D {
  const n = x.shape[0];
  const partner = new Int32Array(n);
  const weight = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    partner[i] = i;
    if (n > 1 && rng.next() < share) {
      partner[i] = (i + 1 + rng.int(n - 1)) % n;
      weight[i] = rng.next();
    }
  }
  return tf.tidy(() => {
    const w = tf.tensor4d(weight, [n, 1, 1, 1]);
    return tf.add(tf.mul(x, tf.sub(1, w)), tf.mul(tf.gather(x, tf.tensor1d(partner, 'int32')), w)) as tf.Tensor4D;
  });
}

interface StepStats {
  loss: number;
  agreeing: number;
  studentClassCounts: number[];
}

export async function distill(
  teacher: tf.LayersModel,
  student: tf.LayersModel,
  source: ImageSource,
  options: DistillOptions,
  sink: EngineEventSink,
): Promise<EpochRecord[]> {
  const variables = student.trainableWeights.map((w) => w.read() as tf.Variable);
  const optimizer = tf.train.momentum(options.lr, options.momentum);
  const augmentRng = derivedRng(options.seed, 'augment');
  const perEpoch = Math.min(options.imagesPerEpoch ?? source.count, source.count);
  const steps = Math.ceil(perEpoch / options.batchSize);
  const records: EpochRecord[] = [];
  const clock = new TrainingClock(options.epochs * perEpoch);
  try {
    for (let epoch = 0; epoch < options.epochs; epoch++) {
      const temperature = temperatureAt(epoch, options.epochs, options.temperatureStart, options.temperatureEnd);
      const lr = options.lrSchedule === 'cosine' ? cosineLrAt(epoch, options.epochs, options.lr) : options.lr;
      optimizer.setLearningRate(lr);
      const epochStart = Date.now();
      let lossSum = 0;
      let seen = 0;
      let agreeing = 0;
      const classCounts: number[] = [];
      let step = 0;
      for await (const batch of source.batches(options.batchSize, {
        shuffle: true,
        seed: derivedRng(options.seed, `order/${epoch}`).seed(),
        signal: options.signal,
        take: perEpoch,
      })) {
        throwIfAborted(options.signal);
        let stats: StepStats;
        try {
          const recovering = epoch >= options.epochs - (options.recoveryEpochs ?? 0);
          stats = trainStep(teacher, student, variables, optimizer, batch.x, temperature, recovering ? { ...options, consistency: undefined } : options, augmentRng);
        } finally {
          batch.x.dispose();
        }
        const n = batch.indices.length;
        if (!Number.isFinite(stats.loss)) throw new DivergedError(epoch, step, stats.loss);
        lossSum += stats.loss * n;
        seen += n;
        agreeing += stats.agreeing;
        stats.studentClassCounts.forEach((c, k) => (classCounts[k] = (classCounts[k] ?? 0) + c));
        step++;
        sink({ type: 'progress', phase: 'distill', epoch: epoch + 1, epochs: options.epochs, step, steps, ...clock.advance(n), loss: stats.loss, temperature });
        await yieldToEventLoop();
      }
      const seconds = (Date.now() - epochStart) / 1000;
      const record: EpochRecord = {
        epoch: epoch + 1,
        temperature,
        lr,
        loss: seen ? lossSum / seen : NaN,
        agreement: seen ? agreeing / seen : 0,
        topClassShare: seen ? Math.max(0, ...classCounts.filter((c) => c !== undefined)) / seen : 0,
        seconds,
        imagesPerSecond: seconds > 0 ? seen / seconds : 0,
      };
      if (options.afterEpoch) await options.afterEpoch(record);
      records.push(record);
      sink({ type: 'epoch', record });
      if (epoch + 1 < options.epochs && options.stopAfter?.(record)) {
        sink({ type: 'log', level: 'info', message: `stopping after epoch ${epoch + 1} of ${options.epochs}: the label-free rule sees no further gain` });
        break;
      }
    }
  } finally {
    optimizer.dispose();
  }
  return records;
}

function trainStep(
  teacher: tf.LayersModel,
  student: tf.LayersModel,
  variables: tf.Variable[],
  optimizer: tf.MomentumOptimizer,
  raw: tf.Tensor4D,
  temperature: number,
  options: DistillOptions,
  rng: ReturnType<typeof derivedRng>,
): StepStats {
  const n = raw.shape[0];
  const cropped = randomCropFlip(raw, options.augment, rng);
  const augmented = options.mixup ? mixPairs(cropped, options.mixup, rng) : cropped;
  if (augmented !== cropped) cropped.dispose();
  const input = tf.tidy(() => normalize(augmented, options.scaling));
  const studentInput = options.consistency
    ? tf.tidy(() => normalize(consistencyPerturb(augmented, options.consistency as ConsistencyOptions, rng), options.scaling))
    : input;
  augmented.dispose();
  let accumulated: Record<string, tf.Tensor> | null = null;
  let loss = 0;
  let agreeing = 0;
  const studentClassCounts: number[] = [];
  try {
    for (let start = 0; start < n; start += options.microBatch) {
      const size = Math.min(options.microBatch, n - start);
      const weight = size / n;
      const slice = (t: tf.Tensor4D) => tf.tidy(() => (size === n ? t.clone() : t.slice([start, 0, 0, 0], [size, -1, -1, -1])));
      const micro = slice(input);
      const microStudent = studentInput === input ? micro : slice(studentInput);
      // One teacher pass per micro-batch (predict would split it into batches of 32).
      const teacherLogits = tf.tidy(() => teacher.predict(micro, { batchSize: size }) as tf.Tensor);
      let studentArgmax: tf.Tensor | null = null;
      const { value, grads } = tf.variableGrads(() => {
        const logits = student.apply(microStudent, { training: true }) as tf.Tensor;
        studentArgmax = tf.keep(tf.argMax(logits, 1));
        return tf.mul(distillationLoss(teacherLogits, logits, temperature, options.temperatureSquared), weight) as tf.Scalar;
      }, variables);
      loss += value.dataSync()[0];
      const teacherArgmax = tf.argMax(teacherLogits, 1);
      const sArg = (studentArgmax as unknown as tf.Tensor).dataSync();
      const tArg = teacherArgmax.dataSync();
      for (let i = 0; i < sArg.length; i++) {
        if (sArg[i] === tArg[i]) agreeing++;
        studentClassCounts[sArg[i]] = (studentClassCounts[sArg[i]] ?? 0) + 1;
      }
      tf.dispose([micro, microStudent, teacherLogits, teacherArgmax, value, studentArgmax as unknown as tf.Tensor]);
      if (accumulated === null) {
        accumulated = grads;
      } else {
        const sum: Record<string, tf.Tensor> = {};
        for (const name of Object.keys(grads)) sum[name] = tf.add(accumulated[name], grads[name]);
        tf.dispose(Object.values(accumulated));
        tf.dispose(Object.values(grads));
        accumulated = sum;
      }
    }
    applyGradientsWithDecay(optimizer, variables, accumulated as tf.NamedTensorMap, options.weightDecay);
  } finally {
    if (accumulated) tf.dispose(Object.values(accumulated));
    tf.dispose([input, studentInput]);
  }
  return { loss, agreeing, studentClassCounts };
}
