/**
 * One-line summaries of a record's result, e.g. "ASR 97.1 % -> 0.9 %, ACC 91.2 % -> 90.4 %", or the
 * teacher-student agreement when the cleanse had no labeled data.
 */
import type { CleanseReport, Metrics } from '../../shared/report';
import { percent } from './format';

/** Agreement of the kept student: the report's own figure, else the selected epoch's, else the last epoch's. */
export function agreementOf(report: CleanseReport): number | null {
  const overall = (report as { agreement?: unknown }).agreement;
  if (typeof overall === 'number') return overall;
  const epochs = report.epochs ?? [];
  const selected = report.selection ? epochs.find((e) => e.epoch === report.selection?.epoch) : undefined;
  const record = selected ?? epochs[epochs.length - 1];
  return typeof record?.agreement === 'number' ? record.agreement : null;
}

/** The labeled metrics of the model an evaluate record describes. */
export function evaluatedMetrics(report: CleanseReport): Metrics | null {
  return report.before ?? report.after ?? null;
}

function change(label: string, before: number | null | undefined, after: number | null | undefined): string | undefined {
  const has = (x: number | null | undefined) => typeof x === 'number';
  if (has(before) && has(after)) return `${label} ${percent(before)} -> ${percent(after)}`;
  if (has(after)) return `${label} ${percent(after)}`;
  return undefined;
}

export function summarizeRecord(report: CleanseReport): string {
  if (report.kind === 'cleanse') {
    const parts = [change('ASR', report.before?.asr, report.after?.asr), change('ACC', report.before?.acc, report.after?.acc)].filter(Boolean);
    if (parts.length) return parts.join(', ');
    const agreement = agreementOf(report);
    return agreement === null ? 'cleansed (no figures)' : `cleansed, agreement ${percent(agreement)} (no labels)`;
  }
  const metrics = evaluatedMetrics(report);
  if (!metrics) return `${report.kind}: no figures`;
  const parts = [`ACC ${percent(metrics.acc)}`];
  if (typeof metrics.asr === 'number') parts.push(`ASR ${percent(metrics.asr)}`);
  if (typeof metrics.ra === 'number') parts.push(`RA ${percent(metrics.ra)}`);
  return `evaluated: ${parts.join(', ')}`;
}
