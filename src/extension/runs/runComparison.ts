/**
 * Two runs side by side, as Markdown: the settings that differ, the metrics of each, and the
 * per-layer weight drift of each. Pure.
 */
import type { RunRecord } from '../../shared/report';
import { percent } from '../annotations/format';
import { cell, settingsRows } from './runMarkdown';
import { runDate, runKindLabel, shortModelName } from './runSummary';

export interface ComparedRun {
  report: RunRecord;
  path: string;
}

/** Setting keys whose values differ (a key one run lacks counts as different). */
export function differingSettings(a: RunRecord, b: RunRecord): [string, string, string][] {
  const left = new Map(settingsRows(a.settings));
  const right = new Map(settingsRows(b.settings));
  const keys = [...new Set([...left.keys(), ...right.keys()])].sort();
  return keys.filter((key) => left.get(key) !== right.get(key)).map((key) => [key, left.get(key) ?? '—', right.get(key) ?? '—']);
}

export function compareRunsMarkdown(a: ComparedRun, b: ComparedRun): string {
  const title = (run: ComparedRun) => `${runKindLabel(run.report)} · ${shortModelName(run.report.inputs.model)} · ${runDate(run.report.createdAt)}`;
  const lines = [`# Comparing two runs`, '', `- **A**: ${title(a)} (\`${a.path}\`)`, `- **B**: ${title(b)} (\`${b.path}\`)`, ''];

  const differing = differingSettings(a.report, b.report);
  lines.push('## Settings that differ', '');
  if (differing.length === 0) lines.push('None: both runs used the same settings.', '');
  else lines.push('| Setting | A | B |', '|---|---|---|', ...differing.map(([key, x, y]) => `| ${key} | ${x} | ${y} |`), '');

  lines.push('## Metrics', '', '| | A before | A after | B before | B after |', '|---|---:|---:|---:|---:|');
  for (const [label, key] of [['ACC', 'acc'], ['ASR', 'asr'], ['RA', 'ra']] as const) {
    lines.push(`| ${label} | ${percent(a.report.before?.[key])} | ${percent(a.report.after?.[key])} | ${percent(b.report.before?.[key])} | ${percent(b.report.after?.[key])} |`);
  }
  lines.push('');

  const names = [...new Set([...(a.report.layers ?? []).map((l) => l.name), ...(b.report.layers ?? []).map((l) => l.name)])];
  if (names.length > 0) {
    const drift = (run: ComparedRun, name: string) => run.report.layers?.find((l) => l.name === name)?.weightDrift;
    lines.push('## Weight drift per layer', '', '| Layer | A | B |', '|---|---:|---:|');
    for (const name of names) lines.push(`| ${cell(name)} | ${percent(drift(a, name))} | ${percent(drift(b, name))} |`);
    lines.push('');
  }
  return lines.join('\n');
}
