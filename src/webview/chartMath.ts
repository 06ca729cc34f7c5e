/**
 * Chart geometry, pure: scales, "nice" ticks and SVG path strings. The panel draws its charts as
 * plain SVG rather than with a chart library: a few hundred bytes instead of hundreds of kB, no
 * CSP exception (libraries inject inline styles or use eval), and the colours come from VS Code's
 * theme variables (--vscode-charts-*) through CSS classes, so every theme just works.
 */

export interface Point {
  x: number;
  /** null breaks the line (a missing value). */
  y: number | null;
}

/** Colour slot; charts.css maps each to a --vscode-charts-* variable. */
export type Tone = 'blue' | 'red' | 'green' | 'orange' | 'purple' | 'yellow' | 'foreground';

export interface SeriesSpec {
  id: string;
  label: string;
  points: readonly Point[];
  tone: Tone;
  /** Draw a dot per point (per-epoch records), not only the line. */
  dots?: boolean;
  dashed?: boolean;
  /** A thin line (dense per-step data under the per-epoch curve). */
  thin?: boolean;
  /** Dots only, no connecting line (a figure that is constant within an epoch). */
  noLine?: boolean;
}

export interface ChartSpec {
  series: readonly SeriesSpec[];
  /** Fixed ranges (e.g. [0, 1] for shares); otherwise from the data. */
  xDomain?: [number, number];
  yDomain?: [number, number];
  formatX?: (value: number) => string;
  formatY?: (value: number) => string;
  /** x ticks only at whole numbers (epochs): a short run ticks 0, 1, 2, never 0.5, 1.5. */
  wholeX?: boolean;
}

export interface ChartSize {
  width: number;
  height: number;
  margin: { top: number; right: number; bottom: number; left: number };
}

export const DEFAULT_CHART_SIZE: ChartSize = { width: 360, height: 180, margin: { top: 10, right: 12, bottom: 24, left: 46 } };

export interface Tick {
  value: number;
  /** Pixel position along its axis. */
  position: number;
  label: string;
}

export interface SeriesModel {
  id: string;
  label: string;
  tone: Tone;
  dashed: boolean;
  thin: boolean;
  /** SVG path data ('' when the series has no finite point). */
  d: string;
  dots: { cx: number; cy: number; x: number; y: number }[];
}

export interface ChartModel {
  size: ChartSize;
  plot: { left: number; top: number; right: number; bottom: number };
  xTicks: Tick[];
  yTicks: Tick[];
  series: SeriesModel[];
  /** No finite point in any series: show "waiting for data" instead. */
  empty: boolean;
}

export type Scale = (value: number) => number;

/** Maps [d0, d1] linearly onto [r0, r1]; a zero-width domain maps to the middle of the range. */
export function scaleLinear(domain: readonly [number, number], range: readonly [number, number]): Scale {
  const [d0, d1] = domain;
  const [r0, r1] = range;
  if (d1 === d0) return () => (r0 + r1) / 2;
  const k = (r1 - r0) / (d1 - d0);
  return (value) => r0 + (value - d0) * k;
}

/** Step of 1, 2 or 5 times a power of ten giving about `count` intervals over `span`. */
export function niceStep(span: number, count: number): number {
  if (!(span > 0) || count < 1) return 1;
  const raw = span / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const fraction = raw / power;
  // Nearest of 1, 2, 5, 10 (geometric midpoints), so [0, 1] gets 0.2 steps rather than 0.5.
  const nice = fraction < 1.5 ? 1 : fraction < 3 ? 2 : fraction < 7 ? 5 : 10;
  return nice * power;
}

/** Domain widened outward to whole steps. */
export function niceDomain(min: number, max: number, count = 4): [number, number] {
  if (min === max) {
    const pad = min === 0 ? 1 : Math.abs(min) * 0.1;
    return niceDomain(min - pad, max + pad, count);
  }
  const step = niceStep(max - min, count);
  const decimals = decimalsOf(step);
  return [Number((Math.floor(min / step + 1e-9) * step).toFixed(decimals)), Number((Math.ceil(max / step - 1e-9) * step).toFixed(decimals))];
}

/** Tick values: multiples of a nice step (at least `minStep`) inside [min, max], with float noise removed. */
export function niceTicks(min: number, max: number, count = 4, minStep = 0): number[] {
  if (!(max > min)) return [min];
  const step = Math.max(minStep, niceStep(max - min, count));
  const decimals = decimalsOf(step);
  const ticks: number[] = [];
  for (let value = Math.ceil(min / step - 1e-9) * step; value <= max + step * 1e-9; value += step) {
    ticks.push(Number(value.toFixed(decimals)));
  }
  return ticks;
}

function decimalsOf(step: number): number {
  return Math.max(0, -Math.floor(Math.log10(step)));
}

/** [min, max] of the finite values, or null when there are none. */
export function extent(values: Iterable<number | null>): [number, number] | null {
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (const value of values) {
    if (value === null || !Number.isFinite(value)) continue;
    if (value < min) min = value;
    if (value > max) max = value;
  }
  return min <= max ? [min, max] : null;
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}

/** "M x y L x y ..." through the finite points; a missing y starts a new segment. */
export function linePath(points: readonly Point[], x: Scale, y: Scale): string {
  const parts: string[] = [];
  let pen = false;
  for (const point of points) {
    if (point.y === null || !Number.isFinite(point.y) || !Number.isFinite(point.x)) {
      pen = false;
      continue;
    }
    parts.push(`${pen ? 'L' : 'M'}${round(x(point.x))} ${round(y(point.y))}`);
    pen = true;
  }
  return parts.join(' ');
}

export function buildChart(spec: ChartSpec, size: ChartSize = DEFAULT_CHART_SIZE): ChartModel {
  const plot = {
    left: size.margin.left,
    top: size.margin.top,
    right: size.width - size.margin.right,
    bottom: size.height - size.margin.bottom,
  };
  const allPoints = spec.series.flatMap((s) => s.points);
  const finite = allPoints.filter((p) => p.y !== null && Number.isFinite(p.y) && Number.isFinite(p.x));
  const empty = finite.length === 0;
  const xData = extent(finite.map((p) => p.x)) ?? [0, 1];
  const yData = extent(finite.map((p) => p.y)) ?? [0, 1];
  const xDomain = spec.xDomain ?? (xData[0] === xData[1] ? [xData[0], xData[0] + 1] : xData);
  const yDomain = spec.yDomain ?? niceDomain(yData[0], yData[1]);
  const x = scaleLinear(xDomain, [plot.left, plot.right]);
  const y = scaleLinear(yDomain, [plot.bottom, plot.top]);
  const formatX = spec.formatX ?? defaultTickFormat;
  const formatY = spec.formatY ?? defaultTickFormat;
  const xTicks = niceTicks(xDomain[0], xDomain[1], 5, spec.wholeX ? 1 : 0).map((value) => ({ value, position: round(x(value)), label: formatX(value) }));
  const yTicks = niceTicks(yDomain[0], yDomain[1], 4).map((value) => ({ value, position: round(y(value)), label: formatY(value) }));
  const series = spec.series.map((s) => ({
    id: s.id,
    label: s.label,
    tone: s.tone,
    dashed: s.dashed === true,
    thin: s.thin === true,
    d: s.noLine ? '' : linePath(s.points, x, y),
    dots: s.dots
      ? s.points
          .filter((p): p is { x: number; y: number } => p.y !== null && Number.isFinite(p.y) && Number.isFinite(p.x))
          .map((p) => ({ cx: round(x(p.x)), cy: round(y(p.y)), x: p.x, y: p.y }))
      : [],
  }));
  return { size, plot, xTicks, yTicks, series, empty };
}

export function defaultTickFormat(value: number): string {
  const abs = Math.abs(value);
  if (abs !== 0 && (abs >= 1e5 || abs < 1e-4)) return value.toExponential(0);
  return String(Number(value.toPrecision(4)));
}
