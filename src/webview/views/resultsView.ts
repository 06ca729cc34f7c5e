/**
 * Results of a finished (or running) cleanse or defense: before/after metrics, the findings (data
 * quality, suspect class, transfer watch, kept epoch, re-activation probe), the layer diagnostics
 * table (sortable), and buttons to open the cleansed model and the report.
 */
import type { LayerDiagnostics, Metrics } from '../../shared/report';
import { h } from '../dom';
import { prunedLine } from '../findings';
import { formatDuration, formatPercent } from '../format';
import { visibleLayerColumns } from '../layerColumns';
import { metricsRows } from '../metricsRows';
import type { JobView, SortState } from '../state';
import { renderSortableTable } from '../tables';
import type { PanelActions } from './actions';
import { renderRunFindings } from './findingsView';

export function renderResults(job: JobView | null, sort: SortState, actions: PanelActions): HTMLElement {
  // Running: the "before" figures as they come. Done: everything. Cancelled/failed: nothing to show.
  const show = job !== null && (job.status === 'done' || job.layers.length > 0 || (job.status === 'running' && (job.before !== null || job.after !== null)));
  if (!job || !show) return h('section', { id: 'results', class: 'panel-section', hidden: true });
  const result = job.result;
  const defended = (job.method ?? 'bcu') !== 'bcu';
  const openModel = h('vscode-button', { id: 'open-model', disabled: !result?.model }, defended ? 'Open defended model' : 'Open cleansed model');
  const openReport = h('vscode-button', { id: 'open-report', secondary: true, disabled: !(job.reportPath ?? result?.report) }, 'Open report');
  openModel.addEventListener('click', () => result?.model && actions.openModel(result.model));
  openReport.addEventListener('click', () => {
    const path = job.reportPath ?? result?.report;
    if (path) actions.openReport(path);
  });
  const agreement = result?.agreement ?? (job.epochs.length > 0 ? job.epochs[job.epochs.length - 1].agreement : null);
  const summary: string[] = [];
  if (defended) summary.push(`Defense: ${(job.method ?? 'bcu').toUpperCase()}`);
  if (result) summary.push(`Finished in ${formatDuration(result.seconds)}`);
  if (agreement !== null) summary.push(`agrees with the original model on ${formatPercent(agreement)} of the unlabeled images`);
  return h(
    'section',
    { id: 'results', class: 'panel-section' },
    h('h2', undefined, 'Results'),
    job.status === 'done' ? h('div', { class: 'actions' }, openModel, openReport) : null,
    summary.length > 0 ? h('p', { id: 'results-summary' }, summary.join(' · ')) : null,
    job.pruned && prunedLine(job.pruned) ? h('p', { id: 'results-pruned' }, prunedLine(job.pruned)) : null,
    result?.model ? h('p', { class: 'field-help path', id: 'results-model-path' }, `${defended ? 'Defended' : 'Cleansed'} model: ${result.model}`) : null,
    h('h3', undefined, 'Before and after'),
    metricsTable(job.before, job.after),
    renderRunFindings(job.findings),
    h('h3', undefined, 'Layer diagnostics'),
    layersTable(job.layers, sort, actions, job.status === 'done'),
  );
}

function metricsTable(before: Metrics | null, after: Metrics | null): HTMLElement {
  const rows = metricsRows(before, after);
  if (rows.length === 0) {
    return h('p', { class: 'muted', id: 'metrics-none' }, 'No labeled evaluation data was given, so ACC and ASR were not measured (the cleanse itself needs no labels).');
  }
  const count = (m: Metrics | null): string => (m ? `${m.n} clean${m.nTriggered > 0 ? `, ${m.nTriggered} triggered` : ''}` : '—');
  return h(
    'table',
    { id: 'metrics-table', class: 'data-table' },
    h('thead', undefined, h('tr', undefined, h('th', { scope: 'col' }, 'Metric'), h('th', { scope: 'col', class: 'numeric' }, 'Before'), h('th', { scope: 'col', class: 'numeric' }, 'After'), h('th', { scope: 'col', class: 'numeric' }, 'Change'))),
    h(
      'tbody',
      undefined,
      ...rows.map((row) =>
        h(
          'tr',
          { 'data-key': row.key, class: row.verdict ? `verdict-${row.verdict}` : undefined },
          h('th', { scope: 'row', title: row.description }, row.label),
          h('td', { class: 'numeric', 'data-column': 'before' }, row.before),
          h('td', { class: 'numeric', 'data-column': 'after' }, row.after),
          h('td', { class: 'numeric change', 'data-column': 'change' }, row.change),
        ),
      ),
      h('tr', { class: 'muted-row' }, h('th', { scope: 'row' }, 'Images scored'), h('td', { class: 'numeric' }, count(before)), h('td', { class: 'numeric' }, count(after)), h('td')),
    ),
  );
}

function layersTable(layers: readonly LayerDiagnostics[], sort: SortState, actions: PanelActions, done: boolean): HTMLElement {
  if (layers.length === 0) return h('p', { class: 'muted', id: 'layers-none' }, done ? 'This run reported no per-layer figures.' : 'Layer diagnostics arrive at the end of the run.');
  const warned = layers.filter((l) => l.warning).length;
  return h(
    'div',
    { class: 'table-scroll' },
    warned > 0 ? h('p', { class: 'warning-summary' }, `${warned} ${warned === 1 ? 'layer has' : 'layers have'} a warning.`) : null,
    renderSortableTable({
      id: 'layers-table',
      columns: visibleLayerColumns(layers),
      rows: layers,
      sort,
      onSort: (key) => actions.sortLayers(key),
      rowClass: (l) => (l.warning ? 'has-warning' : undefined),
      rowKey: (l) => l.name,
    }),
  );
}
