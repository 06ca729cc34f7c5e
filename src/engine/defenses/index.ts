/**
 * `bcu defend --method ...`: one backdoor defense, run the same way for every method so they can
 * be compared (bench/defense.mjs): load the model, apply the defense, measure before/after on
 * --eval-data/--trigger exactly as `bcu cleanse` does, write the model and report.json (kind
 * 'defend') into a new folder atomically. 'bcu' is `bcu cleanse` itself (the full-option path).
 * What each method needs is DEFENSE_NEEDS; docs/defenses.md describes them.
 */
import type * as tf from '@tensorflow/tfjs';
import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import { DEFENSE_NEEDS, type DefendParams, type DefendResult, type DefenseMethodId, type EngineEventSink } from '../../shared/protocol';
import type { BackendInfo, RunRecord, Metrics } from '../../shared/report';
import { settingDefault } from '../../shared/settings';
import { openEvaluation, runCleanse } from '../bcu/cleanse';
import { resolveSettings } from '../bcu/cleanseDefaults';
import { openImageSource } from '../data';
import type { ImageShape, ImageSource } from '../data/types';
import { InputError } from '../errors';
import { evaluateModel } from '../evaluate';
import { loadModel, saveModel } from '../modelIo';
import { prepareOutput, writeFileAtomic } from '../run/outputDir';
import { channelLipschitzPrune } from './clp';
import { finePrune } from './fp';
import { fineTune, type FineTuneSettings } from './ft';
import { neuralAttentionDistillation } from './nad';
import { recordHeader } from '../run/recordHeader';
import { inputScaling } from '../modelIo/inputScaling';

/** Defaults beyond the shared training settings (BackdoorBench / the BCU reference's baselines; the settings table has the rest). */
export const DEFEND_DEFAULTS = {
  u: settingDefault('defend', 'u'),
  pruneTolerance: settingDefault('defend', 'pruneTolerance'),
  maxPrune: settingDefault('defend', 'maxPrune'),
  teacherEpochs: settingDefault('defend', 'teacherEpochs'),
  p: 2,
};

const WHY_LABELS: Record<string, string> = {
  ft: 'FT trains with label cross-entropy',
  fp: 'Fine-Pruning measures clean accuracy and fine-tunes with labels',
  nad: 'NAD fine-tunes its teacher and trains the student with labels',
};

function checkMethod(method: unknown): DefenseMethodId {
  if (typeof method !== 'string' || !(method in DEFENSE_NEEDS)) {
    throw new InputError(`--method must be one of ${Object.keys(DEFENSE_NEEDS).join(', ')}, got ${JSON.stringify(method)}`);
  }
  return method as DefenseMethodId;
}

/** The defender's labeled images; refuses unlabeled ones with what to give instead. */
async function openLabeled(method: DefenseMethodId, data: string | undefined, shape: ImageShape, params: DefendParams): Promise<ImageSource> {
  if (!data) throw new InputError(`--data is required for --method ${method}: labeled images (one subfolder per class, or an IDX images file with its labels file)`);
  const source = await openImageSource(data, { shape, limit: params.limit, skip: params.skip });
  if (!source.labeled) {
    throw new InputError(
      `${data}: --method ${method} needs labeled images (${WHY_LABELS[method]}), but these have no labels. Give one subfolder per ` +
        `class (named 0..K-1), or an IDX images file with its *-labels-idx1-ubyte file beside it.`,
      data,
    );
  }
  return source;
}

async function defendWithBcu(params: DefendParams, backend: BackendInfo, sink: EngineEventSink, signal?: AbortSignal): Promise<DefendResult> {
  if (!params.data) throw new InputError('--data is required for --method bcu: unlabeled images (a folder of PNG/JPEG or an IDX file)');
  const result = await runCleanse({ ...params, data: params.data }, backend, sink, signal);
  // The run record stays a cleanse record; it also says which defense produced it.
  const report = JSON.parse(await readFile(result.report, 'utf8')) as RunRecord;
  report.method = { id: 'bcu', needs: DEFENSE_NEEDS.bcu };
  await writeFileAtomic(result.report, JSON.stringify(report, null, 2) + '\n');
  return { type: 'result', method: 'bcu', needs: DEFENSE_NEEDS.bcu, model: result.model, report: result.report, before: result.before, after: result.after, seconds: result.seconds };
}

export async function runDefend(params: DefendParams, backend: BackendInfo, sink: EngineEventSink, signal?: AbortSignal): Promise<DefendResult> {
  const method = checkMethod(params.method);
  if (method === 'bcu') return defendWithBcu(params, backend, sink, signal);
  const t0 = Date.now();
  const timings: Record<string, number> = {};
  const needs = DEFENSE_NEEDS[method];
  // Checks every defend setting against the settings table (errors name the flag).
  const base = resolveSettings(params, 'defend');
  const u = params.u ?? DEFEND_DEFAULTS.u;
  const pruneTolerance = params.pruneTolerance ?? DEFEND_DEFAULTS.pruneTolerance;
  const maxPrune = params.maxPrune ?? DEFEND_DEFAULTS.maxPrune;
  const teacherEpochs = params.teacherEpochs ?? DEFEND_DEFAULTS.teacherEpochs;
  if (!params.evalData && params.trigger) throw new InputError('--trigger needs --eval-data (labeled images to measure ASR on)');
  sink({ type: 'progress', phase: 'load', epoch: 0, epochs: base.epochs, step: 0, steps: 0, imagesPerSecond: null, etaSeconds: null });
  const loaded = await loadModel(params.model);
  const model: tf.LayersModel = loaded.model;
  base.scaling = inputScaling(params.scaling, loaded, base.scaling, (message) => sink({ type: 'log', level: 'info', message })).scaling;
  const staged = await prepareOutput(params.out, { model: loaded.modelDir, data: params.data, evalData: params.evalData, trigger: params.trigger, force: params.force }).catch((err) => {
    model.dispose();
    throw err;
  });
  try {
    const shape = loaded.inputShape;
    const source = needs === 'labeled' ? await openLabeled(method, params.data, shape, params) : null;
    if (source && source.skipped > 0) sink({ type: 'log', level: 'warn', message: `${source.skipped} files in ${params.data} could not be decoded and were skipped` });
    if (!source && params.data) sink({ type: 'log', level: 'info', message: `--method ${method} is data-free: ${params.data} is not used` });
    const evaluation = params.evalData ? await openEvaluation(params.evalData, params.trigger, shape, params.evalLimit) : null;
    timings.loadSeconds = (Date.now() - t0) / 1000;
    const measure = async (m: tf.LayersModel): Promise<Metrics | null> =>
      evaluation ? evaluateModel(m, evaluation.source, { scaling: base.scaling, trigger: evaluation.trigger ?? undefined, signal }) : null;

    const tBefore = Date.now();
    const before = await measure(model);
    if (before) sink({ type: 'metrics', which: 'before', metrics: before });
    timings.evaluateBeforeSeconds = (Date.now() - tBefore) / 1000;

    const train: FineTuneSettings = {
      epochs: base.epochs, batchSize: base.batchSize, lr: base.lr, momentum: base.momentum, weightDecay: base.weightDecay,
      cropPadding: base.cropPadding, flip: base.flip, scaling: base.scaling, seed: base.seed, signal,
    };
    const tDefend = Date.now();
    let pruned: Record<string, number[]> | undefined;
    let detail: Record<string, unknown> = {};
    if (method === 'ft') {
      detail = { trainHistory: await fineTune(model, source!, train, sink) };
    } else if (method === 'fp') {
      const r = await finePrune(model, source!, { ...train, tolerance: pruneTolerance, maxShare: maxPrune }, sink);
      pruned = { [r.layer]: r.channels };
      detail = { pruneTolerance, maxPrune, prunedLayer: r.layer, accuracyBeforePruning: r.accuracyBefore, accuracyAfterPruning: r.accuracyAfterPruning, probes: r.probes, channelActivation: r.activation, trainHistory: r.history };
    } else if (method === 'nad') {
      const r = await neuralAttentionDistillation(model, source!, { ...train, teacherEpochs, p: DEFEND_DEFAULTS.p }, sink);
      detail = { teacherEpochs, p: DEFEND_DEFAULTS.p, attentionPoints: r.points, teacherHistory: r.teacherHistory, trainHistory: r.history };
    } else {
      const r = channelLipschitzPrune(model, u);
      pruned = Object.fromEntries(r.map((l) => [l.layer, l.channels]));
      detail = { u, clp: r };
      sink({ type: 'log', level: 'info', message: `CLP (u = ${u}) pruned ${r.reduce((s, l) => s + l.channels.length, 0)} channels in ${r.length} layers` });
    }
    timings.defendSeconds = (Date.now() - tDefend) / 1000;

    const tAfter = Date.now();
    const after = await measure(model);
    if (after) sink({ type: 'metrics', which: 'after', metrics: after });
    timings.evaluateAfterSeconds = (Date.now() - tAfter) / 1000;

    const epochs = needs === 'labeled' ? base.epochs : 0;
    sink({ type: 'progress', phase: 'save', epoch: epochs, epochs, step: 0, steps: 0, imagesPerSecond: null, etaSeconds: null });
    const saved = await saveModel(model, staged.stagingDir, { onnx: loaded.onnx });
    const modelOut = path.join(staged.outDir, 'model.json');
    const onnxOut = saved.onnx ? path.join(staged.outDir, 'model.onnx') : undefined;
    const reportOut = path.join(staged.outDir, 'report.json');
    timings.totalSeconds = (Date.now() - t0) / 1000;
    const trainingSettings = needs === 'labeled'
      ? { epochs: base.epochs, batchSize: base.batchSize, lr: base.lr, momentum: base.momentum, weightDecay: base.weightDecay, lrSchedule: 'cosine' as const, augment: { cropPadding: base.cropPadding, flip: base.flip } }
      : {};
    const report: RunRecord = {
      ...recordHeader('defend'),
      inputs: {
        model: loaded.modelJsonPath,
        modelSha256: loaded.sha256,
        data: source ? path.resolve(source.path) : null,
        images: source?.count ?? 0,
        skippedImages: source?.skipped ?? 0,
        backend,
        evalData: params.evalData ? path.resolve(params.evalData) : null,
        trigger: evaluation?.triggerSpec ?? null,
      },
      outputs: { model: modelOut, report: reportOut, ...(onnxOut ? { onnx: onnxOut } : {}) },
      settings: { method, ...trainingSettings, scaling: base.scaling, limit: params.limit ?? null, skip: params.skip ?? null, seed: base.seed, pruned: pruned ?? null, ...detail },
      epochs: [],
      selection: null,
      layers: [],
      before,
      after,
      warnings: [],
      timings,
      method: { id: method, needs },
    };
    await writeFileAtomic(path.join(staged.stagingDir, 'report.json'), JSON.stringify(report, null, 2) + '\n');
    await staged.commit();
    sink({ type: 'report', path: reportOut, report });
    return { type: 'result', method, needs, model: modelOut, report: reportOut, before, after, ...(pruned ? { pruned } : {}), seconds: timings.totalSeconds };
  } catch (error) {
    await staged.abort();
    throw staged.explain(error);
  } finally {
    model.dispose();
  }
}
