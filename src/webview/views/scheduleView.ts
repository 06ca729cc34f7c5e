/**
 * The re-initialization schedule table: one row per layer from the inspect job, with the default
 * ratio and an editable one (the run's CleanseParams.ratios carries only the changed layers), and
 * the inspect's per-layer diagnostics (columns only for figures some layer has). "Check the
 * images" re-runs the inspect with the data: data quality and the suspect scan appear below.
 * Rebuilt when the layers change; edits only update values and error marks in place.
 */
import type { VscodeTextfield } from '@vscode-elements/elements/dist/vscode-textfield/vscode-textfield.js';
import type { InspectLayer } from '../../shared/protocol';
import { h, memo } from '../dom';
import { formatCount, formatDuration, formatPercent, formatRatio } from '../format';
import { visibleDiagnosticColumns } from '../layerColumns';
import { expectedReinitShare, isEditableLayer, scanProgressText } from '../schedule';
import type { ScheduleState } from '../state';
import type { PanelActions } from './actions';
import { renderInspectFindings } from './findingsView';

export interface ScheduleView {
  element: HTMLElement;
  /** `data`: the images path typed in the form (enables "Check the images"). */
  update(schedule: ScheduleState | null, model: string, errors: Record<string, string>, data?: string): void;
}

export function createScheduleView(actions: PanelActions): ScheduleView {
  const status = h('div', { class: 'schedule-status', id: 'schedule-status', role: 'status' });
  const summary = h('div', { class: 'schedule-summary', id: 'schedule-summary' });
  const tableHolder = h('div', { class: 'table-scroll' });
  const reset = h('vscode-button', { id: 'schedule-reset', secondary: true, disabled: true }, 'Reset to defaults');
  reset.addEventListener('click', () => actions.resetSchedule());
  const scan = h(
    'vscode-button',
    { id: 'schedule-scan', secondary: true, disabled: true, title: 'Inspect again with the images: BatchNorm divergence, activations, data quality and a Neural-Cleanse-style scan for a target class (minutes on a CPU; the image limit applies).' },
    'Check the images',
  );
  scan.addEventListener('click', () => actions.inspectWithData());
  const cancelScan = h('vscode-button', { id: 'schedule-scan-cancel', secondary: true, hidden: true, title: 'Stop checking the images (nothing is written)' }, 'Cancel');
  cancelScan.addEventListener('click', () => actions.cancelScan());
  // Ratio errors are listed under the table, not in the cells: every row keeps one height.
  const errorList = h('ul', { class: 'field-error schedule-errors', id: 'schedule-errors', role: 'alert' });
  const findingsHolder = h('div', { id: 'schedule-findings' });
  const inputs = new Map<string, VscodeTextfield>();

  const element = h(
    'section',
    { id: 'schedule', class: 'subsection' },
    h('h2', undefined, 'Re-initialization schedule'),
    h('div', { class: 'field-help' }, 'Share of each layer\'s weights replaced by fresh random values before distillation: more in deeper layers, where backdoors tend to live. BatchNorm and layers without weights are left alone.'),
    status,
    tableHolder,
    errorList,
    h('div', { class: 'schedule-footer' }, summary, h('div', { class: 'schedule-buttons' }, scan, cancelScan, reset)),
    findingsHolder,
  );
  const renderFindings = memo((findings: ScheduleState['findings']) => findingsHolder.replaceChildren(renderInspectFindings(findings) ?? ''));

  const buildTable = memo((layers: readonly InspectLayer[]) => {
    inputs.clear();
    if (layers.length === 0) {
      tableHolder.replaceChildren();
      return;
    }
    const diagnostics = visibleDiagnosticColumns(layers);
    const rows = layers.map((layer) => {
      let ratioCell: HTMLElement;
      if (isEditableLayer(layer)) {
        const input = h('vscode-textfield', { class: 'ratio-input', 'data-layer': layer.name, 'aria-label': `Re-initialization ratio of ${layer.name}` });
        input.value = formatRatio(layer.ratio);
        input.addEventListener('input', () => actions.editRatio(layer.name, input.value));
        inputs.set(layer.name, input);
        ratioCell = h('td', { class: 'numeric ratio-cell' }, input);
      } else {
        ratioCell = h('td', { class: 'numeric muted', title: 'Left as in the original model' }, 'kept');
      }
      const rowClass = [isEditableLayer(layer) ? '' : 'muted-row', layer.warning ? 'has-warning' : ''].filter(Boolean).join(' ');
      return h(
        'tr',
        { 'data-key': layer.name, class: rowClass || undefined },
        h('td', { class: 'layer-name', title: layer.name }, layer.name),
        h('td', undefined, layer.kind),
        h('td', undefined, layer.group === 'none' ? '' : layer.group),
        h('td', { class: 'numeric' }, formatCount(layer.params)),
        h('td', { class: 'numeric' }, isEditableLayer(layer) ? formatPercent(layer.ratio) : ''),
        ratioCell,
        ...diagnostics.map((column) => {
          const text = column.format ? column.format(layer) : String(column.value(layer) ?? '');
          return h('td', { class: column.numeric ? 'numeric' : undefined, 'data-column': column.key, title: column.numeric ? undefined : text }, text);
        }),
      );
    });
    tableHolder.replaceChildren(
      h(
        'table',
        { id: 'schedule-table', class: 'data-table' },
        h(
          'thead',
          undefined,
          h(
            'tr',
            undefined,
            ...['Layer', 'Kind', 'Group', 'Parameters', 'Default', 'Ratio'].map((label, i) => h('th', { scope: 'col', class: i >= 3 ? 'numeric' : undefined }, label)),
            ...diagnostics.map((column) => h('th', { scope: 'col', class: column.numeric ? 'numeric' : undefined, title: column.description, 'data-column': column.key }, column.label)),
          ),
        ),
        h('tbody', undefined, ...rows),
      ),
    );
  });

  return {
    element,
    update(schedule, model, errors, data = '') {
      const current = schedule && schedule.model === model.trim() ? schedule : null;
      element.dataset.status = current?.status ?? 'none';
      scan.disabled = !current || current.status === 'loading' || data.trim() === '';
      const scanning = current?.status === 'loading' && current.scanned === true;
      cancelScan.hidden = !scanning;
      element.dataset.scanning = scanning ? 'true' : 'false';
      renderFindings(current?.findings ?? null);
      if (!current) {
        status.textContent = model.trim() === '' ? 'Choose a model to see its layers and their default ratios.' : 'Reading the model…';
        buildTable([]);
        errorList.replaceChildren();
        summary.textContent = '';
        reset.disabled = true;
        return;
      }
      status.textContent =
        current.status === 'loading'
          ? current.scanned
            ? scanProgressText(current.scanProgress, formatDuration) || 'Checking the images… (the trigger scan takes a while; waits for a running job to finish)'
            : 'Reading the model… (waits for a running job to finish)'
          : current.status === 'error'
            ? `Could not read the model: ${current.error ?? 'unknown error'}`
            : `${current.layers.length} layers, ${formatCount(current.params)} parameters, ${current.classes ?? '?'} classes.`;
      buildTable(current.layers);
      for (const [name, input] of inputs) {
        const layer = current.layers.find((l) => l.name === name);
        const text = current.edits[name] ?? (layer ? formatRatio(layer.ratio) : '');
        if (input.value !== text && !input.matches(':focus-within')) input.value = text;
        input.invalid = errors[name] !== undefined;
        input.title = errors[name] ?? '';
        input.classList.toggle('edited', current.edits[name] !== undefined);
      }
      errorList.replaceChildren(...Object.entries(errors).map(([name, message]) => h('li', { 'data-error-for': name }, `${name}: ${message}`)));
      const share = expectedReinitShare(current.layers, current.edits);
      const edited = Object.keys(current.edits).length;
      summary.textContent =
        current.layers.length === 0
          ? ''
          : `Expected share of weights re-initialized: ${formatPercent(share)}${edited > 0 ? ` (${edited} ${edited === 1 ? 'layer' : 'layers'} edited)` : ' (defaults)'}`;
      reset.disabled = edited === 0;
    },
  };
}
