/**
 * The in-memory index of report.json records: parse and validate a file's text, and answer "which
 * record is the newest for this model". Pure (no `vscode`), so it is unit-tested directly.
 */
import * as path from 'node:path';
import { REPORT_SCHEMA_VERSION, type RunRecord, type RunKind } from '../shared/report';
import type { ReportRecord } from './services';

/** A report.json of this tool that this extension can read, or undefined. */
export function parseReport(text: string): RunRecord | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  const report = value as Partial<RunRecord> | null;
  if (typeof report !== 'object' || report === null) return undefined;
  if (report.tool?.name !== 'backdoor-cleanse') return undefined;
  if (typeof report.schemaVersion !== 'number' || Math.floor(report.schemaVersion) > REPORT_SCHEMA_VERSION) return undefined;
  if (typeof report.inputs?.model !== 'string' || typeof report.kind !== 'string') return undefined;
  return { ...report, layers: Array.isArray(report.layers) ? report.layers : [], outputs: report.outputs ?? { model: null, report: '' } } as RunRecord;
}

/** How paths (models, reports) are compared: absolute, normalized, case-folded where the OS folds case. */
export function pathKey(modelPath: string): string {
  const resolved = path.resolve(modelPath);
  return process.platform === 'win32' || process.platform === 'darwin' ? resolved.toLowerCase() : resolved;
}

const newestFirst = (a: ReportRecord, b: ReportRecord) =>
  b.report.createdAt.localeCompare(a.report.createdAt) || a.path.localeCompare(b.path);

export class ReportIndex {
  private readonly records = new Map<string, ReportRecord>();

  /** Adds or replaces the record read from `reportPath`. */
  set(reportPath: string, report: RunRecord): ReportRecord {
    const record = { path: path.resolve(reportPath), report };
    this.records.set(pathKey(reportPath), record);
    return record;
  }

  delete(reportPath: string): boolean {
    return this.records.delete(pathKey(reportPath));
  }

  /** Records under a folder (e.g. one that was deleted with its report.json inside). */
  deleteUnder(folder: string): number {
    const prefix = pathKey(folder) + path.sep;
    let removed = 0;
    for (const key of [...this.records.keys()]) if (key.startsWith(prefix) && this.records.delete(key)) removed++;
    return removed;
  }

  all(): ReportRecord[] {
    return [...this.records.values()].sort(newestFirst);
  }

  latest(): ReportRecord | undefined {
    return this.all()[0];
  }

  latestFor(modelPath: string): ReportRecord | undefined {
    const key = pathKey(modelPath);
    return this.all().find((r) => pathKey(r.report.inputs.model) === key);
  }

  latestOfKind(modelPath: string, kind: RunKind): ReportRecord | undefined {
    const key = pathKey(modelPath);
    return this.all().find((r) => r.report.kind === kind && pathKey(r.report.inputs.model) === key);
  }

  producerOf(modelPath: string): ReportRecord | undefined {
    const key = pathKey(modelPath);
    // A defense writes its model copy like a cleanse does.
    return this.all().find((r) => (r.report.kind === 'cleanse' || r.report.kind === 'defend') && typeof r.report.outputs?.model === 'string' && pathKey(r.report.outputs.model) === key);
  }
}
