/**
 * The whole cleanse as one job: load the suspicious model (teacher), build the partly
 * re-initialized student, distill on the user's unlabeled images, write the cleansed model and
 * the run record. Output goes to a staging folder renamed into place only on success.
 * Labeled data and a trigger spec, when given, are used for before/after figures only.
 */
import * as tf from '@tensorflow/tfjs';
import * as path from 'node:path';
import type { CleanseParams, CleanseResult, EngineEventSink } from '../../shared/protocol';
import type { BackendInfo, RunRecord, LayerDiagnostics, ReactivationProbe, TriggerFocus } from '../../shared/report';
import { resolveSettings, type ResolvedSettings } from './cleanseDefaults';
import { openImageSource } from '../data';
import type { ImageSource } from '../data/types';
import { assessDataQuality } from '../diagnostics/dataQuality';
import { DataCheckError, InputError } from '../errors';
import { agreement } from '../evaluate';
import { layerOutputChange } from './safety/layerOutputChange';
import { dataGateMessage, mildSettings, outOfDistribution } from './dataGate';
import { batchNormNote, microBatchFor } from '../training/microBatch';
import { recalibrateBatchNorm } from './bnRecalibration';
import { loadModel } from '../modelIo';
import { stagedRun, type RunStage } from '../run/stagedRun';
import { evaluationMeter, openEvaluation, type EvaluationMeter, type LabeledEvaluation } from '../run/labeledEvaluation';
import { lipschitzOutliers, channelLipschitz } from '../defenses/lipschitz';
import { cloneModel, reinitializeChannels, reinitializeInPlace, type ReinitLayerResult } from './reinit';
import { planSchedule, type SchedulePlan } from './reinitSchedule';
import { reactivationProbe } from './safety/reactivation';
import { recoverSuspectTrigger, writeScanImages } from './suspectUnlearning';
import { watchedDistillation } from './watchedDistillation';
import { aimedReinitApplies, chooseAimedChannels, depthWeights, triggerChannelScores } from './aimedReinit';
import type { RecoveredTrigger } from '../training/augment';
import { relativeWeightDrift } from './safety/weightDrift';
import { recordHeader } from '../run/recordHeader';
import { inputScaling } from '../modelIo/inputScaling';

/** What a cleanse ran with, as its run record keeps it: every setting, and what the run decided (micro-batch, ratios per layer, ...). */
function settingsRecord(
  settings: ResolvedSettings,
  run: {
    microBatch: number;
    batchNormStatistics: string | null;
    plan: SchedulePlan;
    unlearnedClass: number | null;
    bnRecalibration: unknown;
    dataWarningAccepted: boolean;
    mildSettings: string | null;
    channelsReinitialized: Map<string, number>;
    limit: number | null;
    skip: number | null;
    logits: string;
    epochsRun: number;
  },
): RunRecord['settings'] {
  return {
    epochs: settings.epochs,
    batchSize: settings.batchSize,
    microBatch: run.microBatch,
    batchNormStatistics: run.batchNormStatistics,
    lr: settings.lr,
    momentum: settings.momentum,
    weightDecay: settings.weightDecay,
    lrSchedule: settings.lrSchedule,
    temperatureStart: settings.temperatureStart,
    temperatureEnd: settings.temperatureEnd,
    temperatureSquared: settings.temperatureSquared,
    ratios: Object.fromEntries(run.plan.layers.filter((l) => l.ratio > 0).map((l) => [l.name, l.ratio])),
    ratioSchedule: run.plan.description,
    augment: { cropPadding: settings.cropPadding, flip: settings.flip },
    patchAugment: settings.patchAugment,
    blendAugment: settings.blendAugment,
    lipschitzU: settings.lipschitzU,
    reinitAimed: settings.reinitAimed,
    unlearnSuspect: settings.unlearnSuspect,
    unlearnFocus: settings.unlearnFocus,
    unlearnBlend: settings.unlearnBlend,
    unlearnWarp: settings.unlearnWarp,
    unlearnedClass: run.unlearnedClass,
    bnRecalibration: run.bnRecalibration,
    recoveryEpochs: settings.recoveryEpochs,
    mixup: settings.mixup,
    reinitDraw: settings.reinitDraw,
    dataWarningAccepted: run.dataWarningAccepted,
    mildSettings: run.mildSettings,
    channelsReinitialized: Object.fromEntries(run.channelsReinitialized),
    scaling: settings.scaling,
    limit: run.limit,
    skip: run.skip,
    seed: settings.seed,
    preset: settings.preset,
    logits: run.logits,
    select: settings.select,
    epochsRun: run.epochsRun,
    reactivationProbe: settings.reactivationProbe,
  };
}

/** Per layer: the re-initialization it got, how far its weights and outputs moved (the record's and panel's layer table). */
function layerDiagnosticsOf(plan: SchedulePlan, reinit: ReinitLayerResult[], drift: Map<string, number | null>, outputChange: Map<string, number | null>): LayerDiagnostics[] {
  const reinitByName = new Map(reinit.map((r) => [r.name, r]));
  return plan.layers.map((l) => ({
    name: l.name,
    kind: l.kind,
    params: l.params,
    reinitRatio: l.ratio,
    reinitFraction: reinitByName.get(l.name)?.fraction ?? 0,
    weightDrift: drift.get(l.name) ?? null,
    outputChange: outputChange.get(l.name) ?? null,
    warning: null,
  }));
}

/** Conv channels whose Lipschitz bound stands out (CLP's rule, u standard deviations). */
function lipschitzTargets(teacher: tf.LayersModel, u: number): Map<string, number[]> {
  return new Map(channelLipschitz(teacher).map((entry) => [entry.layer, lipschitzOutliers(entry, u)] as [string, number[]]).filter(([, c]) => c.length > 0));
}

/** Too few images only warns; images out of distribution stop the cleanse unless accepted, then it goes on with milder settings (dataGate.ts). */
async function checkData(teacher: tf.LayersModel, source: ImageSource, params: CleanseParams, settings: ResolvedSettings, warn: (message: string) => void, signal?: AbortSignal) {
  const dataQuality = await assessDataQuality(teacher, source, { scaling: settings.scaling, signal });
  const gated = outOfDistribution(dataQuality);
  if (gated && !params.acceptDataWarning) throw new DataCheckError(dataGateMessage(params.data, dataQuality), params.data);
  dataQuality.reasons.forEach((reason) => warn(`Data check: ${reason}`));
  let mild: string | null = null;
  if (gated) {
    const given = params as unknown as Record<string, unknown>;
    const { changes, text } = mildSettings(settings, (key) => given[key] !== undefined && given[key] !== null);
    Object.assign(settings, changes);
    mild = text;
    warn(`Data check: ${text}`);
  }
  return { dataQuality, gated, mild };
}

/**
 * The student: a copy of the teacher with the planned share of each layer re-initialized, CLP's
 * outlier channels when asked, and the channels the recovered trigger moves most when asked (aimedReinit.ts).
 */
async function buildStudent(teacher: tf.LayersModel, plan: SchedulePlan, settings: ResolvedSettings, aim: { source: ImageSource; recovered: RecoveredTrigger | null; focus?: TriggerFocus }, sink: EngineEventSink, signal?: AbortSignal) {
  const student = await cloneModel(teacher);
  const reinit = reinitializeInPlace(student, plan, settings.seed, settings.reinitDraw);
  const targeted = settings.lipschitzU > 0 ? lipschitzTargets(teacher, settings.lipschitzU) : new Map<string, number[]>();
  const channelsReinitialized = reinitializeChannels(student, targeted, settings.seed, settings.reinitDraw);
  if (channelsReinitialized.size > 0) {
    sink({ type: 'log', level: 'info', message: `re-initialized channel Lipschitz outliers: ${[...channelsReinitialized].map(([l, n]) => `${l} ${n}`).join(', ')}` });
  }
  if (aimedReinitApplies(settings.reinitAimed, aim.recovered, aim.focus)) {
    const scores = await triggerChannelScores(teacher, aim.source, aim.recovered, { scaling: settings.scaling, share: settings.reinitAimed, signal });
    const aimed = reinitializeChannels(student, chooseAimedChannels(scores, settings.reinitAimed, depthWeights(plan.layers)), settings.seed + 1, settings.reinitDraw);
    for (const [layer, n] of aimed) channelsReinitialized.set(layer, (channelsReinitialized.get(layer) ?? 0) + n);
    sink({ type: 'log', level: 'info', message: `re-initialized the channels the recovered trigger moves most: ${[...aimed].map(([l, n]) => `${l} ${n}`).join(', ')}` });
  }
  return { student, reinit, channelsReinitialized };
}

/** BatchNorm recalibration when asked; with labeled evaluation data also the student's figures as distilled, so one run shows what it did. */
async function recalibrateIfAsked(stage: RunStage, student: tf.LayersModel, source: ImageSource, settings: ResolvedSettings, meter: EvaluationMeter, microBatch: number, signal?: AbortSignal) {
  if (settings.bnRecalibration <= 0) return null;
  const beforeRecalibration = await meter.measure(student);
  const recalibrated = await recalibrateBatchNorm(student, source, { scaling: settings.scaling, images: settings.bnRecalibration, batchSize: microBatch, signal });
  if (!recalibrated) return null; // no BatchNorm layers
  stage.timings.bnRecalibrationSeconds = recalibrated.seconds;
  return { ...recalibrated, metricsBeforeRecalibration: beforeRecalibration };
}

/** What the record and the panel say of the student: after-figures, agreement, per-layer drift and output change, and the re-activation probe when asked. */
async function diagnoseStudent(
  stage: RunStage,
  teacher: tf.LayersModel,
  student: tf.LayersModel,
  ctx: { source: ImageSource; evaluation: LabeledEvaluation | null; meter: EvaluationMeter; settings: ResolvedSettings; plan: SchedulePlan; reinit: ReinitLayerResult[]; sink: EngineEventSink; signal?: AbortSignal },
) {
  const { source, evaluation, settings, sink, signal } = ctx;
  const { after, agree } = await stage.timed('evaluateAfterSeconds', async () => ({
    after: await ctx.meter.announce('after', student),
    agree: await agreement(teacher, student, source, { scaling: settings.scaling }),
  }));
  const drift = relativeWeightDrift(teacher, student);
  const outputChange = await stage.timed('outputChangeSeconds', () =>
    layerOutputChange(teacher, student, ctx.plan.layers.map((l) => l.name), source, { scaling: settings.scaling, signal }));
  const layers = layerDiagnosticsOf(ctx.plan, ctx.reinit, drift, outputChange);
  sink({ type: 'layers', layers });
  let reactivation: ReactivationProbe | null = null;
  if (settings.reactivationProbe && evaluation?.trigger) {
    const trigger = evaluation.trigger;
    sink({ type: 'log', level: 'info', message: 're-activation probe: fine-tuning copies of both models on triggered images' });
    reactivation = await stage.timed('reactivationSeconds', () =>
      reactivationProbe(teacher, student, evaluation.source, { trigger, scaling: settings.scaling, seed: settings.seed, signal }));
  }
  return { after, agree, layers, reactivation };
}

/** Checks that need no slow work, before any: flags that only make sense together. */
function checkFlagPairs(params: CleanseParams, settings: ResolvedSettings): void {
  if (!params.evalData && params.trigger) throw new InputError('--trigger needs --eval-data (labeled images to measure ASR on)');
  if (settings.reactivationProbe && !(params.evalData && params.trigger)) {
    throw new InputError('--reactivation-probe needs --eval-data and --trigger (it measures ASR while fine-tuning on triggered images)');
  }
}

export async function runCleanse(
  params: CleanseParams,
  backend: BackendInfo,
  sink: EngineEventSink,
  signal?: AbortSignal,
  /** Which defense produced the run, when `bcu defend --method bcu` ran it (the record says so). */
  method?: RunRecord['method'],
): Promise<CleanseResult> {
  const startedAt = Date.now();
  const settings = resolveSettings(params);
  checkFlagPairs(params, settings);
  sink({ type: 'progress', phase: 'load', epoch: 0, epochs: settings.epochs, step: 0, steps: 0, imagesPerSecond: null, etaSeconds: null });
  const teacherFile = await loadModel(params.model);
  const teacher = teacherFile.model;
  let student: tf.LayersModel | null = null;
  const release = () => {
    teacher.dispose();
    student?.dispose();
  };
  const inputs = { model: teacherFile.modelDir, data: params.data, evalData: params.evalData, trigger: params.trigger };
  return stagedRun({ out: params.out, inputs, force: params.force, startedAt, sink, release }, async (stage) => {
    const { timings } = stage;
    const scalingChoice = inputScaling(params.scaling, teacherFile, settings.scaling, (message) => sink({ type: 'log', level: 'info', message }));
    settings.scaling = scalingChoice.scaling;
    const scalingFrom = scalingChoice.from;
    // Bad --ratios are an input error: say so before the slow checks.
    planSchedule(teacher, settings.schedule, params.ratios);
    const shape = teacherFile.inputShape;
    const source = await openImageSource(params.data, { shape, limit: params.limit, skip: params.skip });
    if (source.skipped > 0) sink({ type: 'log', level: 'warn', message: `${source.skipped} files in ${params.data} could not be decoded and were skipped` });
    const evaluation = params.evalData ? await openEvaluation(params.evalData, params.trigger, shape, params.evalLimit) : null;
    const meter = evaluationMeter(evaluation, settings.scaling, sink, signal);
    timings.loadSeconds = (Date.now() - startedAt) / 1000;
    const warnings: string[] = [];
    const warn = (message: string) => {
      warnings.push(message);
      sink({ type: 'log', level: 'warn', message });
    };

    const data = await stage.timed('dataQualitySeconds', () => checkData(teacher, source, params, settings, warn, signal));
    const unlearning = settings.unlearnSuspect > 0
      ? await stage.timed('suspectScanSeconds', () => recoverSuspectTrigger(teacher, source, settings, sink, signal))
      : null;
    const before = await stage.timed('evaluateBeforeSeconds', () => meter.announce('before', teacher));

    const plan = planSchedule(teacher, settings.schedule, params.ratios);
    const built = await buildStudent(teacher, plan, settings, { source, recovered: unlearning?.recovered ?? null, focus: unlearning?.scan.focus }, sink, signal);
    student = built.student;
    const trained = student;
    const microBatch = settings.microBatch ?? microBatchFor(teacher, settings.batchSize, backend.name);
    const distilled = await stage.timed('distillSeconds', () =>
      watchedDistillation(teacher, trained, { source, settings, microBatch, unlearning, measureEachEpoch: evaluation ? meter.measure : null, sink, signal }));
    const { epochs } = distilled;
    if (distilled.transferWatch.warning) warn(distilled.transferWatch.warning);

    const bnRecalibration = await recalibrateIfAsked(stage, trained, source, settings, meter, microBatch, signal);
    const { after, agree, layers, reactivation } = await diagnoseStudent(stage, teacher, trained, {
      source, evaluation, meter, settings, plan, reinit: built.reinit, sink, signal,
    });

    const { outputs } = await stage.commit(student, {
      onnx: teacherFile.onnx,
      epoch: epochs.length,
      epochs: settings.epochs,
      record: async (files): Promise<RunRecord> => ({
        ...recordHeader('cleanse'),
        inputs: {
          model: teacherFile.modelJsonPath,
          modelSha256: teacherFile.sha256,
          data: path.resolve(params.data),
          images: source.count,
          skippedImages: source.skipped,
          backend,
          evalData: params.evalData ? path.resolve(params.evalData) : null,
          trigger: evaluation?.triggerSpec ?? null,
          scalingFrom,
        },
        outputs: files,
        settings: settingsRecord(settings, {
          microBatch,
          batchNormStatistics: batchNormNote(trained, settings.batchSize, microBatch),
          plan,
          unlearnedClass: unlearning?.scan.suspect?.class ?? null,
          bnRecalibration,
          dataWarningAccepted: data.gated,
          mildSettings: data.mild,
          channelsReinitialized: built.channelsReinitialized,
          limit: params.limit ?? null,
          skip: params.skip ?? null,
          logits: distilled.logits,
          epochsRun: epochs.length,
        }),
        epochs,
        selection: distilled.selection,
        layers,
        before,
        after,
        agreement: agree,
        warnings,
        timings,
        dataQuality: data.dataQuality,
        suspect: unlearning ? await writeScanImages(unlearning.scan, stage.stagingDir) : null,
        transferWatch: distilled.transferWatch,
        reactivation,
        ...(method ? { method } : {}),
      }),
    });
    return { type: 'result', ...outputs, before, after, agreement: agree, seconds: timings.totalSeconds };
  });
}
