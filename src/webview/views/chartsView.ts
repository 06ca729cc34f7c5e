/** The live charts section: loss, temperature, agreement, and ACC/ASR when evaluation data is given. */
import { renderChart } from '../charts';
import { chartsFor } from '../chartSeries';
import { h } from '../dom';
import type { JobView } from '../state';

export function renderCharts(job: JobView | null): HTMLElement {
  const charts = job ? chartsFor(job) : [];
  if (!job || charts.length === 0) return h('section', { id: 'charts', class: 'panel-section', hidden: true });
  return h(
    'section',
    { id: 'charts', class: 'panel-section' },
    h('h2', undefined, 'Training curves'),
    h('div', { class: 'chart-grid' }, ...charts.map((chart) => renderChart(chart.id, chart.title, chart.spec))),
  );
}
