/**
 * How one run record (report.json) reads in the Runs view: "BCU cleanse · badnet/model.json",
 * "2026-12-07 15:20 · ASR 97.1 % -> 0.9 %, ACC 91.2 % -> 90.4 %", and its status. Pure.
 */
import * as path from 'node:path';
import type { RunRecord } from '../../shared/report';
import { summarizeRecord } from '../annotations/recordSummary';

export interface RunSummary {
  label: string;
  description: string;
  tooltip: string;
  /** 'warnings': the run finished with warnings to read; 'ok': finished without. */
  status: 'ok' | 'warnings';
  /** Sort key: newest first. */
  createdAt: string;
}

/** "BCU cleanse", "CLP defense", "BadNets attack", "evaluation", "inspection". */
export function runKindLabel(report: RunRecord): string {
  switch (report.kind) {
    case 'cleanse':
      return 'BCU cleanse';
    case 'defend':
      return `${(report.method?.id ?? 'defense').toUpperCase()} defense`;
    case 'attack': {
      const type = (report.inputs.trigger as { type?: unknown } | undefined)?.type;
      return typeof type === 'string' ? `${type} attack` : 'attack';
    }
    case 'evaluate':
      return 'evaluation';
    case 'inspect':
      return 'inspection';
  }
}

/** "badnet/model.json": the model's folder and file, enough to tell models apart. */
export function shortModelName(model: string): string {
  return `${path.basename(path.dirname(model))}/${path.basename(model)}`;
}

/** "2026-12-07 15:20" in UTC, or the raw text when it is not a date. */
export function runDate(createdAt: string): string {
  const date = new Date(createdAt);
  return Number.isNaN(date.getTime()) ? createdAt : date.toISOString().slice(0, 16).replace('T', ' ');
}

export function summarizeRun(report: RunRecord, reportPath: string): RunSummary {
  const figures = summarizeRecord(report);
  const warnings = report.warnings?.length ?? 0;
  const status = warnings > 0 || Boolean(report.transferWatch?.warning) ? 'warnings' : 'ok';
  const label = `${runKindLabel(report)} · ${shortModelName(report.inputs.model)}`;
  const description = [runDate(report.createdAt), figures].filter(Boolean).join(' · ');
  const tooltip = [
    label,
    `model: ${report.inputs.model}`,
    `record: ${reportPath}`,
    figures,
    status === 'warnings' ? `${warnings} warning${warnings === 1 ? '' : 's'}` : 'finished without warnings',
  ].join('\n');
  return { label, description, tooltip, status, createdAt: report.createdAt };
}
