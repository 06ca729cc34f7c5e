/**
 * The attack lab (`bcu attack`): train a backdoored classifier from labeled images and a trigger
 * spec, so that we and users studying defenses have real test models. Writes model.json, shards
 * and a report.json (kind 'attack') with the training history and, when evaluation data is
 * given, the clean accuracy and attack success rate.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { EngineEventSink } from '../../shared/protocol';
import type { BackendInfo, RunRecord, Metrics } from '../../shared/report';
import { REPORT_SCHEMA_VERSION } from '../../shared/report';
import { settingDefault, type SettingValues } from '../../shared/settings';
import { buildArchitecture } from './architectures';
import { openEvaluation } from '../bcu/cleanse';
import { openImageSource } from '../data';
import { nativeImageShape } from '../data/nativeShape';
import { InputError } from '../errors';
import { evaluateModel } from '../evaluate';
import { saveModel } from '../modelIo';
import { prepareOutput, writeFileAtomic } from '../run/outputDir';
import { defaultPoisonRate, planPoisoning } from './poison';
import { trainSupervised } from './train';
import { describeTrigger, loadTriggerSpec, prepareTrigger } from '../triggers';
import { TOOL_VERSION } from '../version';

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
  const t0 = Date.now();
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
  const staged = await prepareOutput(params.out, { data: params.data, evalData: params.evalData, trigger: params.trigger, force: params.force });
  const arch = params.arch ?? ATTACK_DEFAULTS.arch;
  const model = buildArchitecture(arch, { inputShape: [shape.height, shape.width, shape.channels], classes, seed });
  try {
    sink({ type: 'log', level: 'info', message: `${describeTrigger(spec)}: ${plan.description}; ${arch}, ${model.countParams()} parameters` });
    const settings = {
      arch, epochs: params.epochs ?? ATTACK_DEFAULTS.epochs, batchSize: params.batch ?? ATTACK_DEFAULTS.batch, lr: params.lr ?? ATTACK_DEFAULTS.lr,
      momentum: ATTACK_DEFAULTS.momentum, weightDecay: ATTACK_DEFAULTS.weightDecay, seed, poisonRate: rate,
    };
    const history = await trainSupervised(model, source, {
      epochs: settings.epochs, batchSize: settings.batchSize, lr: settings.lr, momentum: settings.momentum, weightDecay: settings.weightDecay,
      augment: { padding: 0, flip: false }, scaling: { mode: 'unit' }, seed, signal, poison: { plan, spec, trigger },
    }, sink);
    let metrics: Metrics | null = null;
    if (evaluation) {
      metrics = await evaluateModel(model, evaluation.source, { scaling: { mode: 'unit' }, trigger: evaluation.trigger ?? undefined, signal });
      sink({ type: 'metrics', which: 'after', metrics });
    }
    await saveModel(model, staged.stagingDir);
    const modelOut = path.join(staged.outDir, 'model.json');
    const reportOut = path.join(staged.outDir, 'report.json');
    const report: RunRecord = {
      schemaVersion: REPORT_SCHEMA_VERSION,
      kind: 'attack',
      tool: { name: 'backdoor-cleanse', version: TOOL_VERSION },
      createdAt: new Date().toISOString(),
      inputs: {
        model: modelOut, modelSha256: '', data: path.resolve(params.data), images: source.count, skippedImages: source.skipped, backend,
        evalData: params.evalData ? path.resolve(params.evalData) : null, trigger: spec,
      },
      outputs: { model: modelOut, report: reportOut },
      settings: { ...settings, poisoning: plan.description, limit: params.limit ?? null, skip: params.skip ?? null },
      epochs: [],
      layers: [],
      before: null,
      after: metrics,
      warnings: [],
      timings: { totalSeconds: (Date.now() - t0) / 1000, trainSeconds: history.reduce((s, h) => s + h.seconds, 0) },
    };
    (report as RunRecord & { training: unknown }).training = history;
    await writeFileAtomic(path.join(staged.stagingDir, 'report.json'), JSON.stringify(report, null, 2) + '\n');
    await staged.commit();
    return { type: 'result', model: modelOut, report: reportOut, acc: metrics?.acc ?? null, asr: metrics?.asr ?? null, ra: metrics?.ra ?? null, seconds: (Date.now() - t0) / 1000 };
  } catch (error) {
    await staged.abort();
    throw staged.explain(error);
  } finally {
    model.dispose();
  }
}
