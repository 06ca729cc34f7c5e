/**
 * Sortable tables as plain <table>s: header buttons sort (aria-sort says how), cells are text.
 * Plain tables rather than <vscode-table>: that one sizes columns itself with inline styles and
 * has no sorting; ours stays small, theme-coloured by media/panel.css, and easy to test.
 */
import { h } from './dom';
import { ariaSort, sortRows, type ColumnDef } from './tableSort';
import type { SortState } from './state';

export interface SortableTableOptions<Row> {
  id: string;
  caption?: string;
  columns: readonly ColumnDef<Row>[];
  rows: readonly Row[];
  sort: SortState;
  onSort: (key: string) => void;
  rowClass?: (row: Row) => string | undefined;
  rowKey: (row: Row) => string;
}

export function renderSortableTable<Row>(options: SortableTableOptions<Row>): HTMLTableElement {
  const { columns, sort } = options;
  const header = h(
    'tr',
    undefined,
    ...columns.map((column) => {
      const button = h(
        'button',
        { type: 'button', class: 'sort-button', 'data-sort-key': column.key, title: column.description },
        column.label,
        h('span', { class: 'sort-indicator', 'aria-hidden': 'true' }, sort.key === column.key ? (sort.direction === 'asc' ? '▲' : '▼') : ''),
      );
      button.addEventListener('click', () => options.onSort(column.key));
      return h('th', { scope: 'col', class: column.numeric ? 'numeric' : undefined, 'aria-sort': ariaSort(sort, column.key) }, button);
    }),
  );
  const body = h(
    'tbody',
    undefined,
    ...sortRows(options.rows, columns, sort).map((row) =>
      h(
        'tr',
        { class: options.rowClass?.(row), 'data-key': options.rowKey(row) },
        ...columns.map((column) => {
          const text = column.format ? column.format(row) : String(column.value(row) ?? '');
          return h('td', { class: column.numeric ? 'numeric' : undefined, 'data-column': column.key }, text);
        }),
      ),
    ),
  );
  return h('table', { id: options.id, class: 'data-table sortable' }, options.caption ? h('caption', undefined, options.caption) : null, h('thead', undefined, header), body);
}
