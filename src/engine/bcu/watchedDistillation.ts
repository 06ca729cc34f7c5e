/**
 * BCU's step 2 with the label-free checks around it: distill the teacher into the student
 * (distill.ts) while a fixed probe set scores every epoch (epochProbe.ts), the backdoor-transfer
 * watch reads the class shares (transferWatch.ts), and, with --select on, the label-free rule
 * keeps the best epoch and may stop early (selection.ts). The student is changed in place.
 */
import type * as tf from '@tensorflow/tfjs';
import type { EngineEventSink } from '../../shared/protocol';
import type { EpochRecord, Metrics, TransferWatch } from '../../shared/report';
import type { ImageSource } from '../data/types';
import { logitsView } from '../training/logits';
import type { ResolvedSettings } from './cleanseDefaults';
import { distill } from './distill';
import { createEpochProbe } from './safety/epochProbe';
import { BestEpochKeeper, chooseEpoch, selectionRuleText, shouldStop, type SelectionEpoch } from './safety/selection';
import { transferFlagged, transferWatch, type TransferEpoch } from './safety/transferWatch';
import type { SuspectUnlearning } from './suspectUnlearning';

export interface WatchedDistillation {
  epochs: EpochRecord[];
  /** The epoch whose student was kept, and the rule that chose it. */
  selection: { epoch: number; rule: string };
  transferWatch: TransferWatch;
  /** How the logits were taken from each model (logits.ts), for the run record. */
  logits: string;
}

export interface DistillationContext {
  source: ImageSource;
  settings: ResolvedSettings;
  microBatch: number;
  unlearning: SuspectUnlearning | null;
  /** Labeled figures after every epoch (--eval-each-epoch); null without labeled data. */
  measureEachEpoch: ((student: tf.LayersModel) => Promise<Metrics | null>) | null;
  sink: EngineEventSink;
  signal?: AbortSignal;
}

export async function watchedDistillation(teacher: tf.LayersModel, student: tf.LayersModel, context: DistillationContext): Promise<WatchedDistillation> {
  const { source, settings, unlearning, sink, signal } = context;
  const teacherLogits = logitsView(teacher);
  const studentLogits = logitsView(student);
  const classes = (teacher.outputs[0].shape[1] as number | null) ?? 0;
  const probe = await createEpochProbe(teacher, source, { scaling: settings.scaling, signal });
  const keeper = new BestEpochKeeper();
  const watched: TransferEpoch[] = [];
  const history: SelectionEpoch[] = [];
  let chosenEpoch = 0;
  let epochs: EpochRecord[];
  try {
    epochs = await distill(
      teacherLogits.model,
      studentLogits.model,
      source,
      {
        epochs: settings.epochs,
        batchSize: settings.batchSize,
        microBatch: context.microBatch,
        lr: settings.lr,
        lrSchedule: settings.lrSchedule,
        momentum: settings.momentum,
        weightDecay: settings.weightDecay,
        temperatureStart: settings.temperatureStart,
        temperatureEnd: settings.temperatureEnd,
        temperatureSquared: settings.temperatureSquared,
        augment: { padding: settings.cropPadding, flip: settings.flip },
        consistency:
          settings.patchAugment > 0 || settings.blendAugment > 0 || unlearning?.recovered
            ? { patch: settings.patchAugment, blend: settings.blendAugment, recovered: unlearning?.recovered ?? undefined }
            : undefined,
        scaling: settings.scaling,
        seed: settings.seed,
        recoveryEpochs: settings.recoveryEpochs,
        mixup: settings.mixup,
        signal,
        afterEpoch: async (record) => {
          const reading = probe.read(student);
          record.probeAgreement = reading.agreement;
          const watch: TransferEpoch = {
            epoch: record.epoch,
            studentTopShare: reading.studentTopShare,
            teacherTopShare: reading.teacherTopShare,
            studentTopClass: reading.studentTopClass,
          };
          watched.push(watch);
          history.push({ epoch: record.epoch, agreement: reading.agreement, loss: record.loss, temperature: record.temperature, skewed: transferFlagged(watch, classes) });
          chosenEpoch = settings.select ? chooseEpoch(history) : record.epoch;
          if (settings.select) keeper.offer(student, record.epoch, chosenEpoch);
          if (context.measureEachEpoch && settings.evalEachEpoch) record.eval = await context.measureEachEpoch(student);
        },
        stopAfter: settings.select ? () => shouldStop(history) : undefined,
      },
      sink,
    );
    if (settings.select && keeper.epoch !== null && keeper.epoch !== epochs[epochs.length - 1].epoch) {
      keeper.restoreInto(student);
      sink({ type: 'log', level: 'info', message: `keeping the student of epoch ${keeper.epoch} (label-free selection)` });
    }
  } finally {
    keeper.dispose();
    probe.dispose();
    studentLogits.restore();
    teacherLogits.restore();
  }
  return {
    epochs,
    selection: settings.select
      ? { epoch: chosenEpoch, rule: selectionRuleText(probe.images) }
      : { epoch: epochs.length, rule: 'last epoch (--select off, as the reference keeps it; no labels used)' },
    transferWatch: transferWatch(watched, classes, settings.select ? chosenEpoch : undefined),
    logits: teacherLogits.how,
  };
}
