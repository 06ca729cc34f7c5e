/**
 * An evaluation's run record. The engine's `evaluate` job returns figures only, so the host writes
 * the record itself, in the extension's own storage (never beside the user's files), where the
 * report store finds it: the model's CodeLens and explorer badge then show the figures.
 */
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { sha256File } from '../engine/hash';
import type { BackendInfo } from '../shared/report';
import { REPORT_SCHEMA_VERSION, type CleanseReport } from '../shared/report';
import type { EvaluateParams, EvaluateResult } from '../shared/protocol';

export interface EvaluationRecordInput {
  params: EvaluateParams;
  result: EvaluateResult;
  backend?: BackendInfo;
  seconds: number;
  toolVersion: string;
}

export function evaluationReport(input: EvaluationRecordInput, reportPath: string, modelSha256: string, now = new Date()): CleanseReport {
  const { params, result } = input;
  const { type: _type, ...metrics } = result;
  return {
    schemaVersion: REPORT_SCHEMA_VERSION,
    kind: 'evaluate',
    tool: { name: 'backdoor-cleanse', version: input.toolVersion },
    createdAt: now.toISOString(),
    inputs: {
      model: path.resolve(params.model),
      modelSha256,
      data: path.resolve(params.data),
      images: result.n,
      skippedImages: 0,
      backend: input.backend ?? { name: 'cpu', threads: 1, reason: 'not reported' },
      evalData: path.resolve(params.data),
      trigger: params.trigger ? path.resolve(params.trigger) : null,
    },
    outputs: { model: null, report: reportPath },
    settings: { limit: params.limit ?? null },
    epochs: [],
    layers: [],
    // An evaluation describes the model as it is: its figures sit where a cleanse puts "before".
    before: metrics,
    after: null,
    warnings: [],
    timings: { totalSeconds: input.seconds },
  };
}

/** Writes `<storage>/evaluations/<time>-<random>/report.json` and returns its path. */
export async function writeEvaluationRecord(storageDir: string, input: EvaluationRecordInput): Promise<string> {
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const dir = path.join(storageDir, 'evaluations', `${stamp}-${randomBytes(3).toString('hex')}`);
  await fs.mkdir(dir, { recursive: true });
  const reportPath = path.join(dir, 'report.json');
  const sha = await sha256File(input.params.model).catch(() => '');
  await fs.writeFile(reportPath, JSON.stringify(evaluationReport(input, reportPath, sha), null, 2) + '\n');
  return reportPath;
}
