/**
 * Per-layer annotations of a model.json from a report's layer diagnostics: hover text for every
 * layer found in the file, Problems entries (Information for re-initialization figures, Warning
 * for layers the diagnostics flagged). Pure: text + report in, ranges out.
 */
import { DIAGNOSTIC_EXPLANATIONS } from '../../shared/diagnosticsText';
import type { RunRecord, LayerDiagnostics } from '../../shared/report';
import { count, decimal, percent } from './format';
import type { TextRange } from './jsonLocations';
import { findLayerNameRanges } from './layerLocations';

export interface LayerHover {
  layer: string;
  range: TextRange;
  markdown: string;
}

export interface LayerProblem {
  layer: string;
  range: TextRange;
  severity: 'information' | 'warning';
  message: string;
}

export interface LayerAnnotations {
  hovers: LayerHover[];
  problems: LayerProblem[];
  /** Layers of the report that the file does not contain (e.g. the model was re-exported since). */
  missing: string[];
}

/**
 * Problems are for things to act on: warned layers only. The per-layer figures stay in hovers,
 * CodeLens and the panel, unless the user asks for them (backdoorCleanse.problems.showInformation).
 */
export function problemsToShow(problems: readonly LayerProblem[], showInformation: boolean): LayerProblem[] {
  return problems.filter((problem) => problem.severity === 'warning' || showInformation);
}

export function buildLayerAnnotations(modelJsonText: string, report: RunRecord): LayerAnnotations {
  const ranges = findLayerNameRanges(modelJsonText);
  const result: LayerAnnotations = { hovers: [], problems: [], missing: [] };
  for (const layer of report.layers ?? []) {
    const range = ranges.get(layer.name);
    if (!range) {
      result.missing.push(layer.name);
      continue;
    }
    result.hovers.push({ layer: layer.name, range, markdown: layerHoverMarkdown(layer, report) });
    // An inspect re-initializes nothing: its ratios are the defaults a cleanse would apply.
    if (report.kind !== 'inspect' && (layer.reinitRatio > 0 || layer.reinitFraction > 0)) {
      result.problems.push({ layer: layer.name, range, severity: 'information', message: reinitMessage(layer) });
    }
    if (layer.warning) {
      result.problems.push({ layer: layer.name, range, severity: 'warning', message: `${layer.name}: ${layer.warning}` });
    }
  }
  return result;
}

export function reinitMessage(layer: LayerDiagnostics): string {
  const drift = typeof layer.weightDrift === 'number' ? `; weight drift ${percent(layer.weightDrift)} after the cleanse` : '';
  return `${layer.name} (${layer.kind}, ${count(layer.params)} params): re-initialized ${percent(layer.reinitFraction)} of its weights (ratio ${layer.reinitRatio.toFixed(3)})${drift}.`;
}

type DiagnosticKey = 'lipschitzMax' | 'lipschitzZ' | 'bnDivergence' | 'activationMean' | 'activationMax' | 'deadShare';

/** The diagnostics a hover shows (when the record has them), each explained by the shared text. */
export const DIAGNOSTIC_FIGURES: readonly { key: DiagnosticKey; label: string; format: (value: number) => string }[] = [
  { key: 'lipschitzMax', label: 'largest channel Lipschitz bound', format: (v) => decimal(v) },
  { key: 'lipschitzZ', label: 'Lipschitz z-score', format: (v) => v.toFixed(2) },
  { key: 'bnDivergence', label: 'BatchNorm divergence', format: (v) => decimal(v) },
  { key: 'activationMean', label: 'activation mean', format: (v) => decimal(v) },
  { key: 'activationMax', label: 'activation max', format: (v) => decimal(v) },
  { key: 'deadShare', label: 'dead channels', format: (v) => percent(v) },
];

export function layerHoverMarkdown(layer: LayerDiagnostics, report: RunRecord): string {
  const rows: [string, string][] = [
    ['kind', layer.kind],
    ['parameters', count(layer.params)],
    ['re-initialization ratio', layer.reinitRatio.toFixed(3)],
    ['re-initialized weights', percent(layer.reinitFraction)],
    ['weight drift', percent(layer.weightDrift)],
  ];
  if (layer.outputChange !== undefined) rows.push(['output change', percent(layer.outputChange)]);
  const explained: string[] = [];
  for (const figure of DIAGNOSTIC_FIGURES) {
    const value = layer[figure.key];
    if (typeof value !== 'number' || !Number.isFinite(value)) continue;
    rows.push([figure.label, figure.format(value)]);
    const explanation = DIAGNOSTIC_EXPLANATIONS[figure.key];
    if (explanation) explained.push(`- **${figure.label}**: ${explanation}`);
  }
  const lines = [
    `**Backdoor Cleanse: layer \`${layer.name}\`**`,
    '',
    '| | |',
    '|---|---|',
    ...rows.map(([label, value]) => `| ${label} | ${value} |`),
  ];
  if (explained.length > 0) lines.push('', ...explained);
  if (layer.warning) lines.push('', `$(warning) ${layer.warning}`);
  lines.push('', `_${report.kind} of ${report.createdAt}_`);
  return lines.join('\n');
}
