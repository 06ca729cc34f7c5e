/**
 * Per-layer annotations of a model.json from a report's layer diagnostics: hover text for every
 * layer found in the file, Problems entries (Information for re-initialization figures, Warning
 * for layers the diagnostics flagged). Pure: text + report in, ranges out.
 */
import type { CleanseReport, LayerDiagnostics } from '../../shared/report';
import { count, percent } from './format';
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

export function buildLayerAnnotations(modelJsonText: string, report: CleanseReport): LayerAnnotations {
  const ranges = findLayerNameRanges(modelJsonText);
  const result: LayerAnnotations = { hovers: [], problems: [], missing: [] };
  for (const layer of report.layers ?? []) {
    const range = ranges.get(layer.name);
    if (!range) {
      result.missing.push(layer.name);
      continue;
    }
    result.hovers.push({ layer: layer.name, range, markdown: layerHoverMarkdown(layer, report) });
    if (layer.reinitRatio > 0 || layer.reinitFraction > 0) {
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

export function layerHoverMarkdown(layer: LayerDiagnostics, report: CleanseReport): string {
  const rows: [string, string][] = [
    ['kind', layer.kind],
    ['parameters', count(layer.params)],
    ['re-initialization ratio', layer.reinitRatio.toFixed(3)],
    ['re-initialized weights', percent(layer.reinitFraction)],
    ['weight drift', percent(layer.weightDrift)],
  ];
  if (layer.outputChange !== undefined) rows.push(['output change', percent(layer.outputChange)]);
  if (typeof layer.lipschitzMax === 'number') {
    const z = typeof layer.lipschitzZ === 'number' ? ` (z ${layer.lipschitzZ.toFixed(2)})` : '';
    rows.push(['largest channel Lipschitz bound', `${layer.lipschitzMax.toFixed(3)}${z}`]);
  }
  const lines = [
    `**Backdoor Cleanse: layer \`${layer.name}\`**`,
    '',
    '| | |',
    '|---|---|',
    ...rows.map(([label, value]) => `| ${label} | ${value} |`),
  ];
  if (layer.warning) lines.push('', `$(warning) ${layer.warning}`);
  lines.push('', `_${report.kind} of ${report.createdAt}_`);
  return lines.join('\n');
}
