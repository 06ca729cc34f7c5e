/**
 * The settings a cleanse uses unless the user says otherwise. Where they differ from the reference
 * (luluppang/BCU's run script), the comment says why; README "Choosing the defaults" has the
 * measurements behind them.
 */
import { settingDefault, settingsProblem, type SettingValues } from '../../shared/settings';
import { parseScaling } from '../data/normalize';
import type { DistillHyperparameters } from './distill';
import { InputError } from '../errors';
import type { DepthSchedule } from './reinitSchedule';
import { REFERENCE_SCHEDULE } from './reinitSchedule';
import type { ReinitDraw } from './reinit';

export interface CleanseDefaults extends DistillHyperparameters {
  cropPadding: number;
  flip: boolean;
  schedule: DepthSchedule;
  /** Share of student images given a random patch (0: off, as in the reference). */
  patchAugment: number;
  /** Share of student images blended with a random pattern (0: off, as in the reference). */
  blendAugment: number;
  /** Also re-initialize conv channels whose Lipschitz bound exceeds mean + u*std (0: off). */
  lipschitzU: number;
  /** Share of each conv layer's channels re-initialized because the recovered trigger moves them most (0: off; aimedReinit.ts). */
  reinitAimed: number;
  /** Keep the epoch chosen by the label-free rule and stop early (selection.ts); false: last epoch. */
  select: boolean;
  /**
   * Share of student images stamped with the trigger the suspect scan recovers from the teacher
   * (no labels), while the teacher sees them clean: the student learns to ignore it (0: off).
   */
  unlearnSuspect: number;
  /** Unlearn only the window of the recovered mask that carries the trigger, when one does (diagnostics/triggerFocus.ts). */
  unlearnFocus: boolean;
  /** Also fit the suspect's whole-image blend and stamp it on half the stamped images (global triggers; suspectUnlearning.ts). */
  unlearnBlend: boolean;
  unlearnWarp: boolean;
  /** Clean unlabeled images the saved student's BatchNorm statistics are recomputed from after distilling (0: off; bnRecalibration.ts). */
  bnRecalibration: number;
  /** Last epochs of the distillation in which no image is stamped or perturbed (a recovery phase after unlearning; 0: none). */
  recoveryEpochs: number;
  /** Share of images replaced by a mixup of two unlabeled images, seen alike by teacher and student (function matching; 0: off). */
  mixup: number;
  /** Where re-initialized values come from: each layer's own initializer, or PyTorch's draws (as the reference). */
  reinitDraw: ReinitDraw;
}

/** A cleanse setting's default, from the settings table (src/shared/settings.ts). */
const tableDefault = <K extends keyof SettingValues<'cleanse'> & string>(key: K) => settingDefault('cleanse', key);

/**
 * What `bcu cleanse` ships (README "Results" has the measurements; the values are the settings
 * table's defaults):
 *  - the reference's ratios (deepest stage 0.27), plus unlearning the trigger the suspect scan
 *    recovers from the teacher without labels on half the student's images (suspectUnlearning.ts).
 *    With the ratios alone the backdoor survives (its pathway lies in weights clean images never
 *    exercise); re-initializing 90 % of the deepest stage removed it but cost 20-39 points of
 *    clean accuracy on Fashion-MNIST. When the scan finds no suspect, this is plain BCU;
 *  - 10 epochs at batch 128 instead of 100 at 256: the same ~400 updates on 5,000 images as 20
 *    reference-sized epochs, at half the compute (hours -> minutes on a 2-core CPU);
 *  - for a global recovered trigger (no window carries it: Blended, SIG, WaNet), the channels it
 *    moves most are re-initialized too, 25 % of the deepest stage's and fewer in shallower layers
 *    (aimedReinit.ts). On the calibration fixtures: Blended ASR 47.4 -> 8.4 % and WaNet 19.6 ->
 *    4.2 %, at 1.7 points of ACC each; SIG (already at 0 %) paid 2.6 points for nothing;
 *  - no BatchNorm recalibration after distilling (`--bn-recalibrate N` turns it on;
 *    bnRecalibration.ts). It was a default for one round; on the five calibration fixtures it moved
 *    ACC by -0.45..+0.9 points (mean +0.1) and brought the Blended trigger back (ASR 47 -> 72 % and
 *    44 -> 70 % in two runs; a likely reason: statistics learned with stamped images in half of
 *    each batch damp the trigger, and clean-only statistics undo that) (docs/benchmark.md).
 */
export const CLEANSE_DEFAULTS: CleanseDefaults = {
  epochs: tableDefault('epochs'),
  batchSize: tableDefault('batch'),
  lr: tableDefault('lr'),
  lrSchedule: tableDefault('lrSchedule'),
  momentum: 0.9,
  weightDecay: 5e-4,
  temperatureStart: tableDefault('temperatureStart'),
  temperatureEnd: tableDefault('temperatureEnd'),
  temperatureSquared: tableDefault('temperatureSquared'),
  cropPadding: tableDefault('cropPadding'),
  flip: tableDefault('flip'),
  schedule: REFERENCE_SCHEDULE,
  scaling: parseScaling(tableDefault('scaling')),
  seed: tableDefault('seed'),
  patchAugment: tableDefault('patchAugment'),
  blendAugment: tableDefault('blendAugment'),
  lipschitzU: tableDefault('lipschitzU'),
  reinitAimed: tableDefault('reinitAimed'),
  select: tableDefault('select') === 'on',
  unlearnSuspect: tableDefault('unlearnSuspect'),
  unlearnFocus: tableDefault('unlearnFocus') === 'on',
  unlearnBlend: tableDefault('unlearnBlend') === 'on',
  unlearnWarp: tableDefault('unlearnWarp') === 'on',
  bnRecalibration: tableDefault('bnRecalibrate'),
  recoveryEpochs: tableDefault('recoveryEpochs'),
  mixup: tableDefault('mixup'),
  reinitDraw: 'layer',
};

/** luluppang/BCU's run script: 100 epochs at batch 256, and no suspect unlearning (plain BCU). */
export const REFERENCE_DEFAULTS: CleanseDefaults = {
  ...CLEANSE_DEFAULTS,
  epochs: 100,
  batchSize: 256,
  unlearnSuspect: 0,
  reinitAimed: 0,
  bnRecalibration: 0,
  recoveryEpochs: 0,
  mixup: 0,
  reinitDraw: 'pytorch',
};

/** Named starting points for `--preset` (the table lists the names): the product's defaults, or the reference's settings. */
export const PRESETS: Record<NonNullable<SettingValues<'cleanse'>['preset']>, CleanseDefaults> = { default: CLEANSE_DEFAULTS, reference: REFERENCE_DEFAULTS };

/** A cleanse's settings once the user's are checked and the preset fills the rest. */
export interface ResolvedSettings extends CleanseDefaults {
  /** Largest slice pushed through at once; null: sized to the model (microBatch.ts). */
  microBatch: number | null;
  reactivationProbe: boolean;
  evalEachEpoch: boolean;
  preset: keyof typeof PRESETS;
}

/**
 * The settings a cleanse (or `bcu defend`'s training) runs with: each value given is checked
 * against its row of the settings table (params also arrive from the panel and the worker's JSON),
 * errors name the flag; absent ones come from the preset.
 */
export function resolveSettings(params: SettingValues<'cleanse'> & SettingValues<'defend'>, job: 'cleanse' | 'defend' = 'cleanse'): ResolvedSettings {
  const problem = settingsProblem('cleanse', params) ?? settingsProblem(job, params);
  if (problem) throw new InputError(problem);
  const preset = params.preset ?? tableDefault('preset');
  const d = PRESETS[preset];
  const onOff = (value: 'on' | 'off' | undefined, fallback: boolean) => (value === undefined ? fallback : value === 'on');
  return {
    epochs: params.epochs ?? d.epochs,
    batchSize: params.batch ?? d.batchSize,
    lr: params.lr ?? d.lr,
    lrSchedule: params.lrSchedule ?? d.lrSchedule,
    momentum: d.momentum,
    weightDecay: d.weightDecay,
    temperatureStart: params.temperatureStart ?? d.temperatureStart,
    temperatureEnd: params.temperatureEnd ?? d.temperatureEnd,
    temperatureSquared: params.temperatureSquared ?? d.temperatureSquared,
    cropPadding: params.cropPadding ?? d.cropPadding,
    flip: params.flip ?? d.flip,
    schedule: {
      stem: params.ratioStem ?? d.schedule.stem,
      deepest: params.ratioDeepest ?? d.schedule.deepest,
      factor: params.ratioFactor ?? d.schedule.factor,
      classifier: params.ratioClassifier ?? d.schedule.classifier,
    },
    scaling: params.scaling !== undefined ? parseScaling(params.scaling) : d.scaling,
    patchAugment: params.patchAugment ?? d.patchAugment,
    blendAugment: params.blendAugment ?? d.blendAugment,
    lipschitzU: params.lipschitzU ?? d.lipschitzU,
    reinitAimed: params.reinitAimed ?? d.reinitAimed,
    unlearnSuspect: params.unlearnSuspect ?? d.unlearnSuspect,
    unlearnFocus: onOff(params.unlearnFocus, d.unlearnFocus),
    unlearnBlend: onOff(params.unlearnBlend, d.unlearnBlend),
    unlearnWarp: onOff(params.unlearnWarp, d.unlearnWarp),
    bnRecalibration: params.bnRecalibrate ?? d.bnRecalibration,
    recoveryEpochs: params.recoveryEpochs ?? d.recoveryEpochs,
    mixup: params.mixup ?? d.mixup,
    reinitDraw: params.reinitDraw ?? d.reinitDraw,
    seed: params.seed ?? d.seed,
    microBatch: params.microBatch ?? null,
    select: onOff(params.select, d.select),
    reactivationProbe: params.reactivationProbe ?? false,
    evalEachEpoch: params.evalEachEpoch ?? false,
    preset,
  };
}
