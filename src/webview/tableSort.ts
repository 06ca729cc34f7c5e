/**
 * Sorting for the panel's tables (pure). Missing values sort last in both directions, ties keep
 * the original order (the model's depth order), and the pseudo-column 'depth' is that order.
 */
import type { SortState } from './state';

export type CellValue = string | number | null;

export interface ColumnDef<Row> {
  key: string;
  label: string;
  /** What the column sorts by. */
  value: (row: Row) => CellValue;
  /** What the cell shows (defaults to the value). */
  format?: (row: Row) => string;
  /** Right-aligned, and sorted largest first on the first click. */
  numeric?: boolean;
  /** Header tooltip: what the figure means. */
  description?: string;
}

export const DEPTH_KEY = 'depth';

export function compareCells(a: CellValue, b: CellValue): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'string' && typeof b === 'string') return a.localeCompare(b, undefined, { numeric: true, sensitivity: 'base' });
  return String(a).localeCompare(String(b));
}

function isMissing(value: CellValue): boolean {
  return value === null || (typeof value === 'number' && !Number.isFinite(value));
}

export function sortRows<Row>(rows: readonly Row[], columns: readonly ColumnDef<Row>[], sort: SortState): Row[] {
  const indexed = rows.map((row, index) => ({ row, index }));
  const column = columns.find((c) => c.key === sort.key);
  if (!column || sort.key === DEPTH_KEY) {
    return (sort.direction === 'desc' ? indexed.reverse() : indexed).map((e) => e.row);
  }
  const sign = sort.direction === 'asc' ? 1 : -1;
  indexed.sort((left, right) => {
    const a = column.value(left.row);
    const b = column.value(right.row);
    const aMissing = isMissing(a);
    const bMissing = isMissing(b);
    if (aMissing || bMissing) return aMissing === bMissing ? left.index - right.index : aMissing ? 1 : -1;
    return sign * compareCells(a, b) || left.index - right.index;
  });
  return indexed.map((e) => e.row);
}

/** Header click: the same column flips direction; a new one starts largest-first for numbers. */
export function nextSort<Row>(current: SortState, key: string, columns: readonly ColumnDef<Row>[]): SortState {
  if (current.key === key) return { key, direction: current.direction === 'asc' ? 'desc' : 'asc' };
  const numeric = columns.find((c) => c.key === key)?.numeric === true;
  return { key, direction: numeric ? 'desc' : 'asc' };
}

/** aria-sort value for a header cell. */
export function ariaSort(current: SortState, key: string): 'ascending' | 'descending' | 'none' {
  if (current.key !== key) return 'none';
  return current.direction === 'asc' ? 'ascending' : 'descending';
}
