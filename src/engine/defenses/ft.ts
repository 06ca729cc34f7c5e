/**
 * FT: plain fine-tuning of the suspicious model on the defender's LABELED clean images (cross-
 * entropy, SGD momentum 0.9, weight decay 5e-4, cosine learning rate; lr 0.01, 10 epochs by
 * default). The label-using baseline of BackdoorBench (Wu et al., NeurIPS 2022 Datasets and
 * Benchmarks) and of the BCU paper (Pang et al., CVPR 2023), which runs it with BCU's own schedule.
 * Needs: labeled images (class subfolders or IDX with labels). Also the fine-tuning stage of
 * Fine-Pruning (fp.ts) and the teacher of NAD (nad.ts).
 */
import type * as tf from '@tensorflow/tfjs';
import type { EngineEventSink } from '../../shared/protocol';
import type { ImageSource, Scaling } from '../data/types';
import { trainSupervised, type TrainEpoch } from '../attackLab/train';

export interface FineTuneSettings {
  epochs: number;
  batchSize: number;
  lr: number;
  momentum: number;
  weightDecay: number;
  cropPadding: number;
  flip: boolean;
  scaling: Scaling;
  seed: number;
  signal?: AbortSignal;
}

/** Fine-tunes `model` in place with label cross-entropy; `afterStep` runs after each update. */
export async function fineTune(
  model: tf.LayersModel,
  source: ImageSource,
  settings: FineTuneSettings,
  sink: EngineEventSink,
  afterStep?: () => void,
): Promise<TrainEpoch[]> {
  return trainSupervised(
    model,
    source,
    {
      epochs: settings.epochs,
      batchSize: settings.batchSize,
      lr: settings.lr,
      momentum: settings.momentum,
      weightDecay: settings.weightDecay,
      augment: { padding: settings.cropPadding, flip: settings.flip },
      scaling: settings.scaling,
      seed: settings.seed,
      signal: settings.signal,
      afterStep,
    },
    sink,
  );
}
