/** The layer diagnostics table's columns (pure: shared by the view and the tests). */
import type { LayerDiagnostics } from '../shared/report';
import { formatCount, formatNumber, formatPercent } from './format';
import type { ColumnDef } from './tableSort';

export const LAYER_COLUMNS: readonly ColumnDef<LayerDiagnostics>[] = [
  { key: 'name', label: 'Layer', value: (l) => l.name },
  { key: 'kind', label: 'Kind', value: (l) => l.kind },
  { key: 'params', label: 'Parameters', value: (l) => l.params, format: (l) => formatCount(l.params), numeric: true },
  {
    key: 'reinitRatio',
    label: 'Re-init ratio',
    value: (l) => l.reinitRatio,
    format: (l) => formatPercent(l.reinitRatio),
    numeric: true,
    description: 'Re-initialization probability the schedule applied to this layer',
  },
  {
    key: 'reinitFraction',
    label: 'Re-initialized',
    value: (l) => l.reinitFraction,
    format: (l) => formatPercent(l.reinitFraction),
    numeric: true,
    description: "Share of the layer's weights actually replaced by fresh random values",
  },
  {
    key: 'weightDrift',
    label: 'Weight drift',
    value: (l) => l.weightDrift,
    format: (l) => formatPercent(l.weightDrift),
    numeric: true,
    description: '‖W_student − W_teacher‖ / ‖W_teacher‖ after the cleanse',
  },
  {
    key: 'outputChange',
    label: 'Output change',
    value: (l) => l.outputChange ?? null,
    format: (l) => formatPercent(l.outputChange ?? null),
    numeric: true,
    description: "Relative change of the layer's outputs between teacher and student on the same images",
  },
  {
    key: 'lipschitzZ',
    label: 'Lipschitz z',
    value: (l) => l.lipschitzZ ?? null,
    format: (l) => formatNumber(l.lipschitzZ ?? null, 3),
    numeric: true,
    description: "z-score of the layer's largest channel Lipschitz bound (high: a channel stands out, as backdoor channels do)",
  },
  { key: 'warning', label: 'Warning', value: (l) => l.warning ?? null, format: (l) => l.warning ?? '' },
];

/** Optional figures (CLP's Lipschitz bound, output change) only get a column when some layer has them. */
const OPTIONAL_KEYS = new Set(['outputChange', 'lipschitzZ', 'warning']);

export function visibleLayerColumns(layers: readonly LayerDiagnostics[]): ColumnDef<LayerDiagnostics>[] {
  return LAYER_COLUMNS.filter((column) => !OPTIONAL_KEYS.has(column.key) || layers.some((layer) => column.value(layer) !== null && column.value(layer) !== ''));
}
