/**
 * The attack lab (`bcu attack`): train a backdoored classifier from labeled images and a trigger
 * spec, so that we and users studying defenses have real test models. Writes model.json, shards
 * and a report.json (kind 'attack') with the training history and, when evaluation data is
 * given, the clean accuracy and attack success rate.
 */
import type * as tf from '@tensorflow/tfjs';
import * as path from 'node:path';
import type { EngineEventSink } from '../../shared/protocol';
import type { BackendInfo, RunRecord } from '../../shared/report';
import { settingDefault, type SettingValues } from '../../shared/settings';
import { buildArchitecture } from './architectures';
import { evaluationMeter, openEvaluation } from '../run/labeledEvaluation';
import { recordHeader } from '../run/recordHeader';
import { stagedRun } from '../run/stagedRun';
import { openImageSource } from '../data';
import { nativeImageShape } from '../data/nativeShape';
import { InputError } from '../errors';
import { defaultPoisonRate, planPoisoning } from './poison';
import { trainSupervised } from './train';
import { describeTrigger, loadTriggerSpec, prepareTrigger } from '../triggers';

/** `bcu attack`: the attack lab's settings are rows of SETTINGS (src/shared/settings.ts). */
export interface AttackParams extends SettingValues<'attack'> {
  data: string;
  trigger: string;
  out: string;
}

export interface AttackResult {
  type: 'result';
  model: string;
  report: string;
  acc: number | null;
  asr: number | null;
  ra: number | null;
  seconds: number;
}

/** Settings `bcu attack` uses unless told otherwise (README: "Attack lab"); the table has the reasons. */
export const ATTACK_DEFAULTS = {
  arch: settingDefault('attack', 'arch'),
  epochs: settingDefault('attack', 'epochs'),
  batch: settingDefault('attack', 'batch'),
  lr: settingDefault('attack', 'lr'),
  momentum: 0.9,
  weightDecay: 5e-4,
  seed: settingDefault('attack', 'seed'),
};

export async function runAttack(params: AttackParams, backend: BackendInfo, sink: EngineEventSink, signal?: AbortSignal): Promise<AttackResult> {
  const startedAt = Date.now();
  const spec = await loadTriggerSpec(params.trigger);
  const shape = await nativeImageShape(params.data);
  const source = await openImageSource(params.data, { shape, limit: params.limit, skip: params.skip, requireLabels: true });
  const labels = source.labels() as Int32Array;
  const classes = source.classNames?.length ?? Math.max(...labels) + 1;
  if (spec.target >= classes) throw new InputError(`${params.trigger}: target ${spec.target} is not a class of ${params.data} (it has ${classes})`, params.trigger);
  const rate = params.poisonRate ?? defaultPoisonRate(spec);
  if (!(rate >= 0 && rate <= 1)) throw new InputError(`--poison-rate must be in [0, 1], got ${rate}`);
  const seed = params.seed ?? ATTACK_DEFAULTS.seed;
  const plan = planPoisoning(labels, spec, rate, seed);
  const trigger = await prepareTrigger(spec, shape);
  const evaluation = params.evalData ? await openEvaluation(params.evalData, params.trigger, shape, params.evalLimit) : null;
  const arch = params.arch ?? ATTACK_DEFAULTS.arch;
  const settings = {
    arch, epochs: params.epochs ?? ATTACK_DEFAULTS.epochs, batchSize: params.batch ?? ATTACK_DEFAULTS.batch, lr: params.lr ?? ATTACK_DEFAULTS.lr,
    momentum: ATTACK_DEFAULTS.momentum, weightDecay: ATTACK_DEFAULTS.weightDecay, seed, poisonRate: rate,
  };
  let model: tf.LayersModel | null = null;
  const inputs = { data: params.data, evalData: params.evalData, trigger: params.trigger };
  return stagedRun({ out: params.out, inputs, force: params.force, startedAt, sink, release: () => model?.dispose() }, async (stage) => {
    const trained = buildArchitecture(arch, { inputShape: [shape.height, shape.width, shape.channels], classes, seed });
    model = trained;
    sink({ type: 'log', level: 'info', message: `${describeTrigger(spec)}: ${plan.description}; ${arch}, ${trained.countParams()} parameters` });
    const history = await trainSupervised(trained, source, {
      epochs: settings.epochs, batchSize: settings.batchSize, lr: settings.lr, momentum: settings.momentum, weightDecay: settings.weightDecay,
      augment: { padding: 0, flip: false }, scaling: { mode: 'unit' }, seed, signal, poison: { plan, spec, trigger },
    }, sink);
    stage.timings.trainSeconds = history.reduce((s, h) => s + h.seconds, 0);
    const metrics = await evaluationMeter(evaluation, { mode: 'unit' }, sink, signal).announce('after', trained);
    const { outputs } = await stage.commit(trained, {
      epoch: settings.epochs,
      epochs: settings.epochs,
      record: (files): RunRecord & { training: unknown } => ({
        ...recordHeader('attack'),
        inputs: {
          model: files.model, modelSha256: '', data: path.resolve(params.data), images: source.count, skippedImages: source.skipped, backend,
          evalData: params.evalData ? path.resolve(params.evalData) : null, trigger: spec,
        },
        outputs: files,
        settings: { ...settings, poisoning: plan.description, limit: params.limit ?? null, skip: params.skip ?? null },
        epochs: [],
        layers: [],
        before: null,
        after: metrics,
        warnings: [],
        timings: stage.timings,
        training: history,
      }),
    });
    return { type: 'result', model: outputs.model, report: outputs.report, acc: metrics?.acc ?? null, asr: metrics?.asr ?? null, ra: metrics?.ra ?? null, seconds: stage.timings.totalSeconds };
  });
}
