/**
 * `bcu evaluate`: ACC on labeled images, and ASR/RA when a trigger spec is given. With
 * `recordsDir` (the extension passes its storage folder) the job also writes its run record, as
 * every engine job does: `<recordsDir>/<time>-<random>/report.json`, never beside the user's files.
 */
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { EngineEventSink, EvaluateParams, EvaluateResult } from '../../shared/protocol';
import type { BackendInfo, RunRecord, Metrics } from '../../shared/report';
import { openEvaluation, type LabeledEvaluation } from './labeledEvaluation';
import type { Scaling } from '../data/types';
import { evaluateModel } from '../evaluate';
import { loadModel, type LoadedModel } from '../modelIo';
import { writeFileAtomic } from './outputDir';
import { recordHeader } from './recordHeader';
import { inputScaling } from '../modelIo/inputScaling';

export async function runEvaluate(params: EvaluateParams, backend: BackendInfo, sink: EngineEventSink, signal?: AbortSignal): Promise<EvaluateResult> {
  const started = Date.now();
  const loaded = await loadModel(params.model);
  try {
    const evaluation = await openEvaluation(params.data, params.trigger, loaded.inputShape, params.limit, params.skip);
    const { scaling } = inputScaling(params.scaling, loaded, { mode: 'unit' }, (message) => sink({ type: 'log', level: 'info', message }));
    const metrics = await evaluateModel(loaded.model, evaluation.source, {
      scaling,
      trigger: evaluation.trigger ?? undefined,
      signal,
      onProgress: (done, total) =>
        sink({ type: 'progress', phase: 'evaluate', epoch: 0, epochs: 0, step: done, steps: total, imagesPerSecond: null, etaSeconds: null }),
    });
    if (!params.recordsDir) return { type: 'result', ...metrics };
    const seconds = (Date.now() - started) / 1000;
    const report = await writeEvaluationRecord(params, { loaded, evaluation, metrics, scaling, backend, seconds }, sink);
    return { type: 'result', ...metrics, report };
  } finally {
    loaded.model.dispose();
  }
}

interface EvaluationFacts {
  loaded: LoadedModel;
  evaluation: LabeledEvaluation;
  metrics: Metrics;
  scaling: Scaling;
  backend: BackendInfo;
  seconds: number;
}

/** The record of an evaluation: the model as it is, so its figures sit where a cleanse puts "before". */
export function evaluationRecord(params: EvaluateParams, facts: EvaluationFacts, reportPath: string): RunRecord {
  return {
    ...recordHeader('evaluate'),
    inputs: {
      model: facts.loaded.modelJsonPath,
      modelSha256: facts.loaded.sha256,
      data: path.resolve(params.data),
      images: facts.metrics.n,
      skippedImages: facts.evaluation.source.skipped,
      backend: facts.backend,
      evalData: path.resolve(params.data),
      trigger: facts.evaluation.triggerSpec ?? null,
    },
    outputs: { model: null, report: reportPath },
    settings: { limit: params.limit ?? null, skip: params.skip ?? null, scaling: facts.scaling },
    epochs: [],
    layers: [],
    before: facts.metrics,
    after: null,
    warnings: [],
    timings: { totalSeconds: facts.seconds },
  };
}

async function writeEvaluationRecord(params: EvaluateParams, facts: EvaluationFacts, sink: EngineEventSink): Promise<string> {
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const dir = path.join(path.resolve(params.recordsDir as string), `${stamp}-${randomBytes(3).toString('hex')}`);
  await fs.mkdir(dir, { recursive: true });
  const reportPath = path.join(dir, 'report.json');
  const report = evaluationRecord(params, facts, reportPath);
  await writeFileAtomic(reportPath, JSON.stringify(report, null, 2) + '\n');
  sink({ type: 'report', path: reportPath, report });
  return reportPath;
}
