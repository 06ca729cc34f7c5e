/**
 * Supervised training for the attack lab (`bcu attack`): cross-entropy on labeled images, some of
 * them poisoned. SGD with momentum, weight decay added to the gradient (PyTorch style), cosine
 * learning rate per epoch.
 */
import * as tf from '@tensorflow/tfjs';
import type { EngineEventSink } from '../../shared/protocol';
import { randomCropFlip, type AugmentOptions } from '../training/augment';
import { normalize } from '../data/normalize';
import type { ImageSource, Scaling } from '../data/types';
import { DivergedError, InputError, throwIfAborted } from '../errors';
import { logitsView } from '../training/logits';
import { poisonBatch, type PoisonPlan } from './poison';
import { derivedRng } from '../random';
import { cosineLrAt } from '../bcu/schedules';
import { applyGradientsWithDecay } from '../training/sgd';
import type { PreparedTrigger, TriggerSpec } from '../triggers';
import { TrainingClock, yieldToEventLoop } from '../training/trainingClock';

export interface TrainOptions {
  epochs: number;
  batchSize: number;
  lr: number;
  momentum: number;
  weightDecay: number;
  augment: AugmentOptions;
  scaling: Scaling;
  seed: number;
  signal?: AbortSignal;
  poison?: { plan: PoisonPlan; spec: TriggerSpec; trigger: PreparedTrigger };
  /** Runs after every optimizer step, e.g. to re-apply a pruning mask (Fine-Pruning keeps pruned channels at zero). */
  afterStep?: () => void;
}

export interface TrainEpoch {
  epoch: number;
  loss: number;
  trainAcc: number;
  lr: number;
  seconds: number;
}

export async function trainSupervised(
  model: tf.LayersModel,
  source: ImageSource,
  options: TrainOptions,
  sink: EngineEventSink,
): Promise<TrainEpoch[]> {
  const allLabels = source.labels();
  if (!allLabels) throw new InputError(`${source.path}: training needs labels (one subfolder per class, or an IDX labels file)`, source.path);
  const classes = model.outputs[0].shape[1] as number;
  const view = logitsView(model);
  const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const optimizer = tf.train.momentum(options.lr, options.momentum);
  const augmentRng = derivedRng(options.seed, 'train-augment');
  const noiseRng = derivedRng(options.seed, 'train-noise');
  const steps = Math.ceil(source.count / options.batchSize);
  const history: TrainEpoch[] = [];
  const clock = new TrainingClock(options.epochs * source.count);
  try {
    for (let epoch = 0; epoch < options.epochs; epoch++) {
      const lr = cosineLrAt(epoch, options.epochs, options.lr);
      optimizer.setLearningRate(lr);
      const t0 = Date.now();
      let lossSum = 0;
      let correct = 0;
      let seen = 0;
      let step = 0;
      for await (const batch of source.batches(options.batchSize, {
        shuffle: true,
        seed: derivedRng(options.seed, `train-order/${epoch}`).seed(),
        signal: options.signal,
      })) {
        throwIfAborted(options.signal);
        const labels = Int32Array.from(batch.indices, (i) => allLabels[i]);
        const poisoned = options.poison
          ? poisonBatch(batch, labels, options.poison.plan, options.poison.spec, options.poison.trigger, noiseRng)
          : { x: batch.x.clone(), y: labels };
        batch.x.dispose();
        const input = tf.tidy(() => normalize(randomCropFlip(poisoned.x, options.augment, augmentRng), options.scaling));
        poisoned.x.dispose();
        const oneHot = tf.tidy(() => tf.oneHot(tf.tensor1d(poisoned.y, 'int32'), classes));
        let predicted: tf.Tensor | null = null;
        const { value, grads } = tf.variableGrads(() => {
          const logits = view.model.apply(input, { training: true }) as tf.Tensor;
          predicted = tf.keep(tf.argMax(logits, 1));
          return tf.losses.softmaxCrossEntropy(oneHot, logits) as tf.Scalar;
        }, variables);
        applyGradientsWithDecay(optimizer, variables, grads, options.weightDecay);
        options.afterStep?.();
        const loss = value.dataSync()[0];
        const pred = (predicted as unknown as tf.Tensor).dataSync();
        tf.dispose([value, input, oneHot, predicted as unknown as tf.Tensor, ...Object.values(grads)]);
        if (!Number.isFinite(loss)) throw new DivergedError(epoch, step, loss);
        const n = poisoned.y.length;
        for (let i = 0; i < n; i++) if (pred[i] === poisoned.y[i]) correct++;
        lossSum += loss * n;
        seen += n;
        step++;
        sink({ type: 'progress', phase: 'train', epoch: epoch + 1, epochs: options.epochs, step, steps, ...clock.advance(n), loss });
        await yieldToEventLoop();
      }
      const record = { epoch: epoch + 1, loss: lossSum / Math.max(1, seen), trainAcc: correct / Math.max(1, seen), lr, seconds: (Date.now() - t0) / 1000 };
      history.push(record);
      sink({ type: 'log', level: 'info', message: `epoch ${record.epoch}: loss ${record.loss.toFixed(4)}, train acc ${(100 * record.trainAcc).toFixed(2)} %, ${record.seconds.toFixed(1)} s` });
    }
  } finally {
    optimizer.dispose();
    view.restore();
  }
  return history;
}
