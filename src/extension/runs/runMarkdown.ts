/**
 * A run record as a Markdown document a team can keep beside the model (model card, audit): the
 * model and data with their hashes, the settings, before/after metrics, the findings with the
 * recovered trigger image, and the per-layer table. Pure: report in, text out.
 */
import type { RunRecord, Metrics } from '../../shared/report';
import { percent } from '../annotations/format';
import { runDate, runKindLabel } from './runSummary';

/** `|` and line breaks would break a table cell. */
export function cell(value: unknown): string {
  if (value === null || value === undefined || value === '') return '—';
  const text = typeof value === 'object' ? JSON.stringify(value) : String(value);
  return text.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

function metricsRows(before: Metrics | null | undefined, after: Metrics | null | undefined): string[] {
  const rows: [string, keyof Metrics][] = [['Clean accuracy (ACC)', 'acc'], ['Attack success (ASR)', 'asr'], ['Robust accuracy (RA)', 'ra']];
  return rows
    .filter(([, key]) => typeof before?.[key] === 'number' || typeof after?.[key] === 'number')
    .map(([label, key]) => `| ${label} | ${percent(before?.[key] as number | null)} | ${percent(after?.[key] as number | null)} |`);
}

/** Settings as `key: value` rows, nested objects as JSON, sorted for stable diffs. */
export function settingsRows(settings: RunRecord['settings']): [string, string][] {
  return Object.keys(settings ?? {})
    .sort()
    .map((key) => [key, cell((settings as Record<string, unknown>)[key])]);
}

export interface RunMarkdownOptions {
  /** Where the report.json is (shown, and the base of the image links). */
  reportPath: string;
}

export function runMarkdown(report: RunRecord, options: RunMarkdownOptions): string {
  const lines: string[] = [];
  lines.push(`# ${runKindLabel(report)}: ${report.inputs.model}`, '');
  lines.push(`Recorded ${runDate(report.createdAt)} UTC by ${report.tool?.name ?? 'backdoor-cleanse'} ${report.tool?.version ?? ''}; record: \`${options.reportPath}\`.`, '');

  lines.push('## Model and data', '', '| | |', '|---|---|');
  lines.push(`| Model | \`${cell(report.inputs.model)}\` |`);
  lines.push(`| Model SHA-256 (model.json and weight files) | \`${cell(report.inputs.modelSha256)}\` |`);
  const dataSha = (report.inputs as { dataSha256?: unknown }).dataSha256;
  lines.push(`| Data | \`${cell(report.inputs.data)}\` (${report.inputs.images} images${report.inputs.skippedImages ? `, ${report.inputs.skippedImages} skipped` : ''}) |`);
  if (dataSha) lines.push(`| Data SHA-256 | \`${cell(dataSha)}\` |`);
  if (report.inputs.evalData) lines.push(`| Evaluation data | \`${cell(report.inputs.evalData)}\` |`);
  if (report.inputs.trigger) lines.push(`| Trigger | ${cell(report.inputs.trigger)} |`);
  if (report.outputs?.model) lines.push(`| Output model | \`${cell(report.outputs.model)}\` |`);
  lines.push(`| Backend | ${cell(report.inputs.backend?.name)} (${cell(report.inputs.backend?.threads)} threads) |`, '');

  const metrics = metricsRows(report.before, report.after);
  if (metrics.length > 0) {
    lines.push('## Before and after', '', '| Metric | Before | After |', '|---|---:|---:|', ...metrics, '');
    const n = report.after?.n ?? report.before?.n;
    if (n) lines.push(`Measured on ${n} labeled images${report.after?.nTriggered ? ` (${report.after.nTriggered} with the trigger)` : ''}; never trained on.`, '');
  }

  const findings: string[] = [];
  const suspect = report.suspect;
  if (suspect?.suspect) findings.push(`- **Suspected backdoor target: class ${suspect.suspect.class}** (anomaly index ${suspect.suspect.anomalyIndex.toFixed(2)}, above 2).`);
  else if (suspect) findings.push('- Suspect scan: no class stands out.');
  const images = [
    ['recovered trigger', suspect?.triggerImage],
    ['mask', suspect?.maskImage],
    ['pattern', suspect?.patternImage],
    ['stamped on one of the images', suspect?.stampedImage],
  ].filter((entry): entry is [string, string] => typeof entry[1] === 'string' && /\.png$/i.test(entry[1]));
  if (images.length > 0) findings.push('', images.map(([alt, file]) => `![${alt}](${encodeURI(file)})`).join(' '), '');
  if (report.dataQuality) findings.push(`- Data quality: ${report.dataQuality.verdict}${report.dataQuality.reasons.length ? `: ${report.dataQuality.reasons.join(' ')}` : '.'}`);
  if (report.transferWatch?.warning) findings.push(`- Backdoor-transfer watch: ${report.transferWatch.warning}`);
  if (report.selection) findings.push(`- Kept the student of epoch ${report.selection.epoch}: ${report.selection.rule}`);
  for (const warning of report.warnings ?? []) findings.push(`- Warning: ${warning}`);
  if (findings.length > 0) lines.push('## Findings', '', ...findings, '');

  const settings = settingsRows(report.settings);
  if (settings.length > 0) lines.push('## Settings', '', '| Setting | Value |', '|---|---|', ...settings.map(([k, v]) => `| ${k} | ${v} |`), '');

  if (report.layers?.length) {
    lines.push('## Layers', '', '| Layer | Kind | Parameters | Re-initialized | Weight drift | Warning |', '|---|---|---:|---:|---:|---|');
    for (const layer of report.layers) {
      lines.push(`| ${cell(layer.name)} | ${cell(layer.kind)} | ${layer.params} | ${percent(layer.reinitFraction)} | ${percent(layer.weightDrift)} | ${cell(layer.warning ?? '')} |`);
    }
    lines.push('');
  }
  return lines.join('\n');
}
