/**
 * Draws a ChartModel (chartMath.ts) as plain SVG. No chart library (see chartMath.ts): colours
 * are CSS classes (tone-*) that media/panel.css maps to --vscode-charts-* theme variables.
 */
import { buildChart, type ChartModel, type ChartSpec } from './chartMath';
import { h, s } from './dom';

/** `xTitle` names the x axis: the training curves count epochs, the re-activation probe steps. */
export function renderChart(id: string, title: string, spec: ChartSpec, xTitle = 'epoch'): HTMLElement {
  const model = buildChart(spec);
  return h(
    'figure',
    { class: 'chart', id: `chart-${id}`, 'data-empty': model.empty ? 'true' : 'false' },
    h('figcaption', undefined, h('span', { class: 'chart-title' }, title), legend(model)),
    chartSvg(model, title, xTitle),
  );
}

function legend(model: ChartModel): HTMLElement {
  return h(
    'span',
    { class: 'chart-legend' },
    ...model.series.map((series) =>
      h('span', { class: `legend-item tone-${series.tone}${series.dashed ? ' dashed' : ''}${series.thin ? ' thin' : ''}` }, h('span', { class: 'legend-swatch', 'aria-hidden': 'true' }), series.label),
    ),
  );
}

function chartSvg(model: ChartModel, title: string, xTitle: string): SVGSVGElement {
  const { size, plot } = model;
  const svg = s('svg', { viewBox: `0 0 ${size.width} ${size.height}`, role: 'img', 'aria-label': title, preserveAspectRatio: 'xMidYMid meet' });
  const grid = s('g', { class: 'grid' });
  for (const tick of model.yTicks) {
    grid.append(
      s('line', { x1: plot.left, x2: plot.right, y1: tick.position, y2: tick.position }),
      s('text', { x: plot.left - 6, y: tick.position, class: 'tick-label y', 'text-anchor': 'end', 'dominant-baseline': 'middle' }, tick.label),
    );
  }
  for (const tick of model.xTicks) {
    grid.append(s('text', { x: tick.position, y: plot.bottom + 15, class: 'tick-label x', 'text-anchor': 'middle' }, tick.label));
  }
  grid.append(s('line', { class: 'axis', x1: plot.left, x2: plot.right, y1: plot.bottom, y2: plot.bottom }));
  svg.append(grid);
  svg.append(s('text', { x: plot.right, y: size.height - 2, class: 'axis-title', 'text-anchor': 'end' }, xTitle));
  if (model.empty) {
    svg.append(s('text', { x: (plot.left + plot.right) / 2, y: (plot.top + plot.bottom) / 2, class: 'chart-empty', 'text-anchor': 'middle' }, 'waiting for data…'));
    return svg;
  }
  for (const series of model.series) {
    const classes = `series tone-${series.tone}${series.dashed ? ' dashed' : ''}${series.thin ? ' thin' : ''}`;
    const group = s('g', { class: classes, 'data-series': series.id });
    if (series.d) group.append(s('path', { d: series.d }));
    for (const dot of series.dots) {
      group.append(s('circle', { cx: dot.cx, cy: dot.cy, r: 2.5 }, s('title', undefined, `${series.label}: ${Number(dot.y.toPrecision(4))} at ${xTitle} ${Number(dot.x.toFixed(2))}`)));
    }
    svg.append(group);
  }
  return svg;
}
