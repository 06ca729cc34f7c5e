/**
 * One-line summaries of a record's result, e.g. "ASR 97.1 % -> 0.9 %, ACC 91.2 % -> 90.4 %", or the
 * teacher-student agreement when the cleanse had no labeled data.
 */
import type { RunRecord, Metrics } from '../../shared/report';
import { percent } from './format';

/** Agreement of the kept student: the report's own figure, else the selected epoch's, else the last epoch's. */
export function agreementOf(report: RunRecord): number | null {
  const overall = (report as { agreement?: unknown }).agreement;
  if (typeof overall === 'number') return overall;
  const epochs = report.epochs ?? [];
  const selected = report.selection ? epochs.find((e) => e.epoch === report.selection?.epoch) : undefined;
  const record = selected ?? epochs[epochs.length - 1];
  return typeof record?.agreement === 'number' ? record.agreement : null;
}

/** The labeled metrics of the model an evaluate record describes. */
export function evaluatedMetrics(report: RunRecord): Metrics | null {
  return report.before ?? report.after ?? null;
}

function change(label: string, before: number | null | undefined, after: number | null | undefined): string | undefined {
  const has = (x: number | null | undefined) => typeof x === 'number';
  if (has(before) && has(after)) return `${label} ${percent(before)} -> ${percent(after)}`;
  if (has(after)) return `${label} ${percent(after)}`;
  return undefined;
}

export function summarizeRecord(report: RunRecord): string {
  if (report.kind === 'defend') {
    const parts = [change('ASR', report.before?.asr, report.after?.asr), change('ACC', report.before?.acc, report.after?.acc)].filter(Boolean);
    const method = (report.method?.id ?? 'defense').toUpperCase();
    return parts.length ? `${method}: ${parts.join(', ')}` : `defended with ${method} (no figures)`;
  }
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

export interface RecordAlert {
  kind: 'suspect' | 'data-quality';
  title: string;
  tooltip: string;
}

/**
 * What a record warns about beyond its figures: the class the suspect scan singled out (Neural
 * Cleanse anomaly index > 2) and a data-quality verdict of 'warn'. Empty when it has neither.
 */
export function recordAlerts(report: RunRecord): RecordAlert[] {
  const alerts: RecordAlert[] = [];
  const suspect = report.suspect?.suspect;
  if (suspect) {
    alerts.push({
      kind: 'suspect',
      title: `$(warning) Suspected backdoor target: class ${suspect.class} (anomaly index ${suspect.anomalyIndex.toFixed(2)})`,
      tooltip: 'A much smaller trigger sends images to this class than to any other (Neural Cleanse anomaly index above 2 on log mask sizes, and under 0.4 of the median class\'s mask, flipping 95 % of the images).',
    });
  }
  const quality = report.dataQuality;
  if (quality && quality.verdict === 'warn') {
    alerts.push({
      kind: 'data-quality',
      title: `$(warning) Data quality: ${quality.reasons[0] ?? 'the images may not fit the model'}`,
      tooltip: quality.reasons.length > 0 ? quality.reasons.join('\n') : 'The images may not fit the model.',
    });
  }
  return alerts;
}
