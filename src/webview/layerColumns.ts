/** The layer tables' columns (pure: shared by the views and the tests). */
import { DIAGNOSTIC_EXPLANATIONS } from '../shared/diagnosticsText';
import type { LayerDiagnostics } from '../shared/report';
import { formatCount, formatNumber, formatPercent } from './format';
import type { ColumnDef } from './tableSort';

/** The per-layer diagnostics the run record and an inspect share (same field names). */
export type DiagnosticFields = Pick<LayerDiagnostics, 'lipschitzMax' | 'lipschitzZ' | 'bnDivergence' | 'activationMean' | 'activationMax' | 'deadShare' | 'outputChange' | 'warning'>;

/** Explanations the shared text does not cover (figures only a cleanse measures). */
const LOCAL_EXPLANATIONS: Record<string, string> = {
  outputChange: "Relative change of the layer's outputs between teacher and student on the same images.",
  warning: 'Why a diagnostic rule flagged this layer (empty: nothing flagged).',
};

/** The header tooltip of a diagnostics column: the shared explanation, so hovers and the panel agree. */
export function explanationOf(key: string): string {
  return DIAGNOSTIC_EXPLANATIONS[key] ?? LOCAL_EXPLANATIONS[key] ?? '';
}

function numberColumn(key: keyof DiagnosticFields, label: string, format: (value: number | null) => string): ColumnDef<DiagnosticFields> {
  const value = (row: DiagnosticFields): number | null => {
    const v = row[key];
    return typeof v === 'number' ? v : null;
  };
  return { key, label, value, format: (row) => format(value(row)), numeric: true, description: explanationOf(key) };
}

/** Diagnostics columns, in the order the tables show them; each appears only when some layer has it. */
export const DIAGNOSTIC_COLUMNS: readonly ColumnDef<DiagnosticFields>[] = [
  numberColumn('outputChange', 'Output change', (v) => formatPercent(v)),
  numberColumn('lipschitzMax', 'Lipschitz max', (v) => formatNumber(v, 3)),
  numberColumn('lipschitzZ', 'Lipschitz z', (v) => formatNumber(v, 3)),
  numberColumn('bnDivergence', 'BN divergence', (v) => formatNumber(v, 3)),
  numberColumn('activationMean', 'Activation mean', (v) => formatNumber(v, 3)),
  numberColumn('activationMax', 'Activation max', (v) => formatNumber(v, 3)),
  numberColumn('deadShare', 'Dead channels', (v) => formatPercent(v)),
  { key: 'warning', label: 'Warning', value: (l) => l.warning ?? null, format: (l) => l.warning ?? '', description: explanationOf('warning') },
];

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
  ...DIAGNOSTIC_COLUMNS,
];

const OPTIONAL_KEYS = new Set(DIAGNOSTIC_COLUMNS.map((column) => column.key));

function hasValue<Row>(rows: readonly Row[], column: ColumnDef<Row>): boolean {
  return rows.some((row) => {
    const value = column.value(row);
    return value !== null && value !== '';
  });
}

/** Optional figures only get a column when some layer has them (engines fill what applies). */
export function visibleLayerColumns(layers: readonly LayerDiagnostics[]): ColumnDef<LayerDiagnostics>[] {
  return LAYER_COLUMNS.filter((column) => !OPTIONAL_KEYS.has(column.key) || hasValue(layers, column));
}

/** The diagnostics columns an inspect's layers fill (the schedule table adds these). */
export function visibleDiagnosticColumns<Row extends DiagnosticFields>(layers: readonly Row[]): ColumnDef<Row>[] {
  return (DIAGNOSTIC_COLUMNS as readonly ColumnDef<Row>[]).filter((column) => hasValue(layers, column));
}
