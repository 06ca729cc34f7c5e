/**
 * `bcu defend --method ...`: one backdoor defense, run the same way for every method so they can
 * be compared (bench/defense.mjs): load the model, apply the defense, measure before/after on
 * --eval-data/--trigger exactly as `bcu cleanse` does, write the model and report.json (kind
 * 'defend') into a new folder atomically. 'bcu' is `bcu cleanse` itself (the full-option path).
 * What each method needs is DEFENSE_NEEDS; docs/defenses.md describes them.
 */
import type * as tf from '@tensorflow/tfjs';
import * as path from 'node:path';
import { DEFENSE_NEEDS, type DefendParams, type DefendResult, type DefenseMethodId, type EngineEventSink } from '../../shared/protocol';
import type { BackendInfo, RunRecord } from '../../shared/report';
import { settingDefault } from '../../shared/settings';
import { runCleanse } from '../bcu/cleanse';
import { evaluationMeter, openEvaluation } from '../run/labeledEvaluation';
import { stagedRun } from '../run/stagedRun';
import { resolveSettings } from '../bcu/cleanseDefaults';
import { openImageSource } from '../data';
import type { ImageShape, ImageSource } from '../data/types';
import { InputError } from '../errors';
import { loadModel } from '../modelIo';
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
  // The run record stays a cleanse record; it also says which defense produced it.
  const result = await runCleanse({ ...params, data: params.data }, backend, sink, signal, { id: 'bcu', needs: DEFENSE_NEEDS.bcu });
  return { type: 'result', method: 'bcu', needs: DEFENSE_NEEDS.bcu, model: result.model, report: result.report, before: result.before, after: result.after, seconds: result.seconds };
}

/** Runs the method on `model` in place; returns what the record keeps of it (pruned channels, histories, ...). */
async function applyDefense(
  method: Exclude<DefenseMethodId, 'bcu'>,
  model: tf.LayersModel,
  source: ImageSource | null,
  train: FineTuneSettings,
  knobs: { u: number; pruneTolerance: number; maxPrune: number; teacherEpochs: number },
  sink: EngineEventSink,
): Promise<{ pruned?: Record<string, number[]>; detail: Record<string, unknown> }> {
  if (method === 'ft') return { detail: { trainHistory: await fineTune(model, source!, train, sink) } };
  if (method === 'fp') {
    const { pruneTolerance, maxPrune } = knobs;
    const r = await finePrune(model, source!, { ...train, tolerance: pruneTolerance, maxShare: maxPrune }, sink);
    return {
      pruned: { [r.layer]: r.channels },
      detail: { pruneTolerance, maxPrune, prunedLayer: r.layer, accuracyBeforePruning: r.accuracyBefore, accuracyAfterPruning: r.accuracyAfterPruning, probes: r.probes, channelActivation: r.activation, trainHistory: r.history },
    };
  }
  if (method === 'nad') {
    const r = await neuralAttentionDistillation(model, source!, { ...train, teacherEpochs: knobs.teacherEpochs, p: DEFEND_DEFAULTS.p }, sink);
    return { detail: { teacherEpochs: knobs.teacherEpochs, p: DEFEND_DEFAULTS.p, attentionPoints: r.points, teacherHistory: r.teacherHistory, trainHistory: r.history } };
  }
  const r = channelLipschitzPrune(model, knobs.u);
  sink({ type: 'log', level: 'info', message: `CLP (u = ${knobs.u}) pruned ${r.reduce((s, l) => s + l.channels.length, 0)} channels in ${r.length} layers` });
  return { pruned: Object.fromEntries(r.map((l) => [l.layer, l.channels])), detail: { u: knobs.u, clp: r } };
}

export async function runDefend(params: DefendParams, backend: BackendInfo, sink: EngineEventSink, signal?: AbortSignal): Promise<DefendResult> {
  const method = checkMethod(params.method);
  if (method === 'bcu') return defendWithBcu(params, backend, sink, signal);
  const startedAt = Date.now();
  const needs = DEFENSE_NEEDS[method];
  // Checks every defend setting against the settings table (errors name the flag).
  const base = resolveSettings(params, 'defend');
  const knobs = {
    u: params.u ?? DEFEND_DEFAULTS.u,
    pruneTolerance: params.pruneTolerance ?? DEFEND_DEFAULTS.pruneTolerance,
    maxPrune: params.maxPrune ?? DEFEND_DEFAULTS.maxPrune,
    teacherEpochs: params.teacherEpochs ?? DEFEND_DEFAULTS.teacherEpochs,
  };
  if (!params.evalData && params.trigger) throw new InputError('--trigger needs --eval-data (labeled images to measure ASR on)');
  sink({ type: 'progress', phase: 'load', epoch: 0, epochs: base.epochs, step: 0, steps: 0, imagesPerSecond: null, etaSeconds: null });
  const loaded = await loadModel(params.model);
  const model: tf.LayersModel = loaded.model;
  const release = () => model.dispose();
  const inputs = { model: loaded.modelDir, data: params.data, evalData: params.evalData, trigger: params.trigger };
  return stagedRun({ out: params.out, inputs, force: params.force, startedAt, sink, release }, async (stage) => {
    const { timings } = stage;
    base.scaling = inputScaling(params.scaling, loaded, base.scaling, (message) => sink({ type: 'log', level: 'info', message })).scaling;
    const shape = loaded.inputShape;
    const source = needs === 'labeled' ? await openLabeled(method, params.data, shape, params) : null;
    if (source && source.skipped > 0) sink({ type: 'log', level: 'warn', message: `${source.skipped} files in ${params.data} could not be decoded and were skipped` });
    if (!source && params.data) sink({ type: 'log', level: 'info', message: `--method ${method} is data-free: ${params.data} is not used` });
    const evaluation = params.evalData ? await openEvaluation(params.evalData, params.trigger, shape, params.evalLimit) : null;
    const meter = evaluationMeter(evaluation, base.scaling, sink, signal);
    timings.loadSeconds = (Date.now() - startedAt) / 1000;

    const before = await stage.timed('evaluateBeforeSeconds', () => meter.announce('before', model));
    const train: FineTuneSettings = {
      epochs: base.epochs, batchSize: base.batchSize, lr: base.lr, momentum: base.momentum, weightDecay: base.weightDecay,
      cropPadding: base.cropPadding, flip: base.flip, scaling: base.scaling, seed: base.seed, signal,
    };
    const { pruned, detail } = await stage.timed('defendSeconds', () => applyDefense(method, model, source, train, knobs, sink));
    const after = await stage.timed('evaluateAfterSeconds', () => meter.announce('after', model));

    const epochs = needs === 'labeled' ? base.epochs : 0;
    const trainingSettings = needs === 'labeled'
      ? { epochs: base.epochs, batchSize: base.batchSize, lr: base.lr, momentum: base.momentum, weightDecay: base.weightDecay, lrSchedule: 'cosine' as const, augment: { cropPadding: base.cropPadding, flip: base.flip } }
      : {};
    const { outputs } = await stage.commit(model, {
      onnx: loaded.onnx,
      epoch: epochs,
      epochs,
      record: (files): RunRecord => ({
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
        outputs: files,
        settings: { method, ...trainingSettings, scaling: base.scaling, limit: params.limit ?? null, skip: params.skip ?? null, seed: base.seed, pruned: pruned ?? null, ...detail },
        epochs: [],
        selection: null,
        layers: [],
        before,
        after,
        warnings: [],
        timings,
        method: { id: method, needs },
      }),
    });
    return { type: 'result', method, needs, model: outputs.model, report: outputs.report, before, after, ...(pruned ? { pruned } : {}), seconds: timings.totalSeconds };
  });
}
