/**
 * The whole cleanse as one job: load the suspicious model (teacher), build the partly
 * re-initialized student, distill on the user's unlabeled images, write the cleansed model and
 * the run record. Output goes to a staging folder renamed into place only on success.
 * Labeled data and a trigger spec, when given, are used for before/after figures only.
 */
import * as tf from '@tensorflow/tfjs';
import * as path from 'node:path';
import type { CleanseParams, CleanseResult, EngineEventSink } from '../../shared/protocol';
import type { BackendInfo, RunRecord, LayerDiagnostics, Metrics, ReactivationProbe } from '../../shared/report';
import { resolveSettings, type ResolvedSettings } from './cleanseDefaults';
import { openImageSource } from '../data';
import type { ImageShape, ImageSource } from '../data/types';
import { assessDataQuality } from '../diagnostics/dataQuality';
import { DataCheckError, InputError } from '../errors';
import { agreement, evaluateModel } from '../evaluate';
import { layerOutputChange } from './safety/layerOutputChange';
import { dataGateMessage, mildSettings, outOfDistribution } from './dataGate';
import { batchNormNote, microBatchFor } from '../training/microBatch';
import { recalibrateBatchNorm } from './bnRecalibration';
import { loadModel, saveModel } from '../modelIo';
import { prepareOutput, writeFileAtomic } from '../run/outputDir';
import { lipschitzOutliers, channelLipschitz } from '../defenses/lipschitz';
import { cloneModel, reinitializeChannels, reinitializeInPlace, type ReinitLayerResult } from './reinit';
import { planSchedule, type SchedulePlan } from './reinitSchedule';
import { reactivationProbe } from './safety/reactivation';
import { loadTriggerSpec, prepareTrigger, type PreparedTrigger } from '../triggers';
import { recoverSuspectTrigger, writeScanImages } from './suspectUnlearning';
import { watchedDistillation } from './watchedDistillation';
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
    unlearnSuspect: settings.unlearnSuspect,
    unlearnFocus: settings.unlearnFocus,
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

export interface LabeledEvaluation {
  source: ImageSource;
  trigger: PreparedTrigger | null;
  triggerSpec: unknown;
}

export async function openEvaluation(
  dataPath: string,
  triggerPath: string | undefined,
  shape: ImageShape,
  limit?: number,
  skip?: number,
): Promise<LabeledEvaluation> {
  const source = await openImageSource(dataPath, { shape, requireLabels: true, limit, skip });
  if (!triggerPath) return { source, trigger: null, triggerSpec: null };
  const spec = await loadTriggerSpec(triggerPath);
  return { source, trigger: await prepareTrigger(spec, shape), triggerSpec: spec };
}

export async function runCleanse(
  params: CleanseParams,
  backend: BackendInfo,
  sink: EngineEventSink,
  signal?: AbortSignal,
): Promise<CleanseResult> {
  const t0 = Date.now();
  const timings: Record<string, number> = {};
  const settings = resolveSettings(params);
  sink({ type: 'progress', phase: 'load', epoch: 0, epochs: settings.epochs, step: 0, steps: 0, imagesPerSecond: null, etaSeconds: null });
  const teacherFile = await loadModel(params.model);
  const teacher = teacherFile.model;
  const scalingChoice = inputScaling(params.scaling, teacherFile, settings.scaling, (message) => sink({ type: 'log', level: 'info', message }));
  settings.scaling = scalingChoice.scaling;
  const scalingFrom = scalingChoice.from;
  let student: tf.LayersModel | null = null;
  const staged = await prepareOutput(params.out, { model: teacherFile.modelDir, data: params.data, evalData: params.evalData, trigger: params.trigger, force: params.force }).catch((err) => {
    teacher.dispose();
    throw err;
  });
  try {
    const shape = teacherFile.inputShape;
    const source = await openImageSource(params.data, { shape, limit: params.limit, skip: params.skip });
    if (source.skipped > 0) sink({ type: 'log', level: 'warn', message: `${source.skipped} files in ${params.data} could not be decoded and were skipped` });
    const evaluation = params.evalData ? await openEvaluation(params.evalData, params.trigger, shape, params.evalLimit) : null;
    if (!params.evalData && params.trigger) throw new InputError('--trigger needs --eval-data (labeled images to measure ASR on)');
    if (settings.reactivationProbe && !evaluation?.trigger) {
      throw new InputError('--reactivation-probe needs --eval-data and --trigger (it measures ASR while fine-tuning on triggered images)');
    }
    // Bad --ratios are an input error: say so before the slow checks.
    planSchedule(teacher, settings.schedule, params.ratios);
    timings.loadSeconds = (Date.now() - t0) / 1000;
    const warnings: string[] = [];
    const warn = (message: string) => {
      warnings.push(message);
      sink({ type: 'log', level: 'warn', message });
    };

    // Too few images only warns; images out of distribution stop the cleanse unless accepted (dataGate.ts).
    const tQuality = Date.now();
    const dataQuality = await assessDataQuality(teacher, source, { scaling: settings.scaling, signal });
    timings.dataQualitySeconds = (Date.now() - tQuality) / 1000;
    const dataGated = outOfDistribution(dataQuality);
    if (dataGated && !params.acceptDataWarning) throw new DataCheckError(dataGateMessage(params.data, dataQuality), params.data);
    dataQuality.reasons.forEach((reason) => warn(`Data check: ${reason}`));
    let mild: string | null = null;
    if (dataGated) {
      const given = params as unknown as Record<string, unknown>;
      const { changes, text } = mildSettings(settings, (key) => given[key] !== undefined && given[key] !== null);
      Object.assign(settings, changes);
      mild = text;
      warn(`Data check: ${text}`);
    }

    const tScan = Date.now();
    const unlearning = settings.unlearnSuspect > 0 ? await recoverSuspectTrigger(teacher, source, settings, sink, signal) : null;
    if (unlearning) timings.suspectScanSeconds = (Date.now() - tScan) / 1000;

    const measure = async (model: tf.LayersModel): Promise<Metrics | null> =>
      evaluation
        ? evaluateModel(model, evaluation.source, { scaling: settings.scaling, trigger: evaluation.trigger ?? undefined, signal })
        : null;
    const tEval = Date.now();
    const before = await measure(teacher);
    if (before) sink({ type: 'metrics', which: 'before', metrics: before });
    timings.evaluateBeforeSeconds = (Date.now() - tEval) / 1000;

    const plan = planSchedule(teacher, settings.schedule, params.ratios);
    student = await cloneModel(teacher);
    const reinit = reinitializeInPlace(student, plan, settings.seed, settings.reinitDraw);
    const targeted = settings.lipschitzU > 0 ? lipschitzTargets(teacher, settings.lipschitzU) : new Map<string, number[]>();
    const channelsReinitialized = reinitializeChannels(student, targeted, settings.seed, settings.reinitDraw);
    if (channelsReinitialized.size > 0) {
      sink({ type: 'log', level: 'info', message: `re-initialized channel Lipschitz outliers: ${[...channelsReinitialized].map(([l, n]) => `${l} ${n}`).join(', ')}` });
    }
    const microBatch = settings.microBatch ?? microBatchFor(teacher, settings.batchSize, backend.name);
    const tDistill = Date.now();
    const distilled = await watchedDistillation(teacher, student, { source, settings, microBatch, unlearning, measureEachEpoch: evaluation ? measure : null, sink, signal });
    const { epochs } = distilled;
    if (distilled.transferWatch.warning) warn(distilled.transferWatch.warning);
    timings.distillSeconds = (Date.now() - tDistill) / 1000;

    // With labeled evaluation data, also measure the student as distilled, so one run shows what the recalibration did.
    const beforeRecalibration = settings.bnRecalibration > 0 ? await measure(student) : null;
    const recalibrated = settings.bnRecalibration > 0
      ? await recalibrateBatchNorm(student, source, { scaling: settings.scaling, images: settings.bnRecalibration, batchSize: microBatch, signal })
      : null;
    const bnRecalibration = recalibrated ? { ...recalibrated, metricsBeforeRecalibration: beforeRecalibration } : null;
    if (recalibrated) timings.bnRecalibrationSeconds = recalibrated.seconds;

    const tAfter = Date.now();
    const after = await measure(student);
    if (after) sink({ type: 'metrics', which: 'after', metrics: after });
    const agree = await agreement(teacher, student, source, { scaling: settings.scaling });
    timings.evaluateAfterSeconds = (Date.now() - tAfter) / 1000;

    const drift = relativeWeightDrift(teacher, student);
    const tChange = Date.now();
    const outputChange = await layerOutputChange(teacher, student, plan.layers.map((l) => l.name), source, { scaling: settings.scaling, signal });
    timings.outputChangeSeconds = (Date.now() - tChange) / 1000;
    const layers = layerDiagnosticsOf(plan, reinit, drift, outputChange);
    sink({ type: 'layers', layers });

    let reactivation: ReactivationProbe | null = null;
    if (settings.reactivationProbe && evaluation?.trigger) {
      const tProbe = Date.now();
      sink({ type: 'log', level: 'info', message: 're-activation probe: fine-tuning copies of both models on triggered images' });
      reactivation = await reactivationProbe(teacher, student, evaluation.source, { trigger: evaluation.trigger, scaling: settings.scaling, seed: settings.seed, signal });
      timings.reactivationSeconds = (Date.now() - tProbe) / 1000;
    }

    sink({ type: 'progress', phase: 'save', epoch: epochs.length, epochs: settings.epochs, step: 0, steps: 0, imagesPerSecond: null, etaSeconds: null });
    const saved = await saveModel(student, staged.stagingDir, { onnx: teacherFile.onnx });
    const onnxOut = saved.onnx ? path.join(staged.outDir, 'model.onnx') : undefined;
    const modelOut = path.join(staged.outDir, 'model.json');
    const reportOut = path.join(staged.outDir, 'report.json');
    timings.totalSeconds = (Date.now() - t0) / 1000;
    const report: RunRecord = {
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
      outputs: { model: modelOut, report: reportOut, ...(onnxOut ? { onnx: onnxOut } : {}) },
      settings: settingsRecord(settings, {
        microBatch,
        batchNormStatistics: batchNormNote(student, settings.batchSize, microBatch),
        plan,
        unlearnedClass: unlearning?.scan.suspect?.class ?? null,
        bnRecalibration,
        dataWarningAccepted: dataGated,
        mildSettings: mild,
        channelsReinitialized,
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
      dataQuality,
      suspect: unlearning ? await writeScanImages(unlearning.scan, staged.stagingDir) : null,
      transferWatch: distilled.transferWatch,
      reactivation,
    };
    await writeFileAtomic(path.join(staged.stagingDir, 'report.json'), JSON.stringify(report, null, 2) + '\n');
    await staged.commit();
    sink({ type: 'report', path: reportOut, report });
    return { type: 'result', model: modelOut, ...(onnxOut ? { onnx: onnxOut } : {}), report: reportOut, before, after, agreement: agree, seconds: timings.totalSeconds };
  } catch (error) {
    await staged.abort();
    throw staged.explain(error);
  } finally {
    teacher.dispose();
    student?.dispose();
  }
}
