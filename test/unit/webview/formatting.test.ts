/** The panel's pure view-model logic: formatting, chart geometry, table sorting, metrics rows. */
import * as assert from 'node:assert/strict';
import type { LayerDiagnostics } from '../../../src/shared/report';
import { buildChart, extent, linePath, niceDomain, niceTicks, scaleLinear } from '../../../src/webview/chartMath';
import { chartsFor, epochDomain } from '../../../src/webview/chartSeries';
import { formatCount, formatDuration, formatNumber, formatPercent, formatPointChange, formatRate } from '../../../src/webview/format';
import { LAYER_COLUMNS, visibleLayerColumns } from '../../../src/webview/layerColumns';
import { metricsRows } from '../../../src/webview/metricsRows';
import { newJobView } from '../../../src/webview/state';
import { appendStepPoint, progressFraction, progressPosition, stepPointOf, thin } from '../../../src/webview/stepHistory';
import { ariaSort, nextSort, sortRows } from '../../../src/webview/tableSort';

function layer(name: string, extra: Partial<LayerDiagnostics> = {}): LayerDiagnostics {
  return { name, kind: 'Conv2D', params: 100, reinitRatio: 0.1, reinitFraction: 0.1, weightDrift: 0.2, ...extra };
}

describe('panel formatting', () => {
  it('formats shares, changes, counts, durations and rates', () => {
    assert.equal(formatPercent(0.9312), '93.1%');
    assert.equal(formatPercent(null), '—');
    assert.equal(formatPercent(Number.NaN), '—');
    assert.equal(formatPointChange(0.95, 0.02), '−93.0 pp');
    assert.equal(formatPointChange(0.9, 0.923), '+2.3 pp');
    assert.equal(formatPointChange(0.9, 0.9), '±0.0 pp');
    assert.equal(formatPointChange(null, 0.9), '—');
    assert.equal(formatCount(11_173_962), '11.17 M');
    assert.equal(formatCount(5130), '5130');
    assert.equal(formatCount(147_456), '147.5 k');
    assert.equal(formatNumber(0.012345), '0.0123');
    assert.equal(formatNumber(0), '0');
    assert.equal(formatDuration(42.4), '42 s');
    assert.equal(formatDuration(185), '3 min 05 s');
    assert.equal(formatDuration(3720), '1 h 02 min');
    assert.equal(formatDuration(null), '—');
    assert.equal(formatRate(123.4), '123 img/s');
    assert.equal(formatRate(4.56), '4.6 img/s');
  });
});

describe('panel chart geometry', () => {
  it('scales linearly and maps a flat domain to the middle', () => {
    const x = scaleLinear([0, 10], [100, 200]);
    assert.equal(x(0), 100);
    assert.equal(x(5), 150);
    assert.equal(scaleLinear([3, 3], [0, 10])(3), 5);
  });

  it('picks nice ticks and domains', () => {
    assert.deepEqual(niceTicks(0, 1, 4), [0, 0.2, 0.4, 0.6, 0.8, 1]);
    assert.deepEqual(niceTicks(0, 20, 5), [0, 5, 10, 15, 20]);
    assert.deepEqual(niceTicks(0.13, 0.91, 4), [0.2, 0.4, 0.6, 0.8]);
    assert.deepEqual(niceDomain(0.13, 0.91), [0, 1]);
    assert.deepEqual(niceDomain(2, 2), [1.8, 2.2]);
    assert.deepEqual(extent([3, null, -1, Number.NaN, 7]), [-1, 7]);
    assert.equal(extent([null]), null);
  });

  it('draws a path through finite points and breaks at missing ones', () => {
    const x = scaleLinear([0, 4], [0, 40]);
    const y = scaleLinear([0, 1], [100, 0]);
    assert.equal(linePath([{ x: 0, y: 0 }, { x: 1, y: 0.5 }, { x: 2, y: null }, { x: 3, y: 1 }, { x: 4, y: 1 }], x, y), 'M0 100 L10 50 M30 0 L40 0');
    assert.equal(linePath([], x, y), '');
  });

  it('builds a chart model with ticks inside the plot and dots per point', () => {
    const model = buildChart({
      xDomain: [0, 10],
      yDomain: [0, 1],
      series: [{ id: 'a', label: 'A', tone: 'green', dots: true, points: [{ x: 1, y: 0.5 }, { x: 2, y: 0.75 }] }],
    });
    assert.equal(model.empty, false);
    assert.equal(model.series[0].dots.length, 2);
    assert.match(model.series[0].d, /^M[\d.]+ [\d.]+ L[\d.]+ [\d.]+$/);
    for (const tick of model.yTicks) assert.ok(tick.position >= model.plot.top && tick.position <= model.plot.bottom);
    for (const tick of model.xTicks) assert.ok(tick.position >= model.plot.left && tick.position <= model.plot.right);
    assert.equal(buildChart({ series: [{ id: 'e', label: 'E', tone: 'red', points: [{ x: 0, y: null }] }] }).empty, true);
  });
});

describe('panel step history', () => {
  it('places progress on the epoch axis (epochs numbered from 1, steps done)', () => {
    assert.equal(progressPosition({ epoch: 1, step: 5, steps: 10 }), 0.5);
    assert.equal(progressPosition({ epoch: 3, step: 10, steps: 10 }), 3);
    assert.equal(progressPosition({ epoch: 0, step: 0, steps: 0 }), 0); // load
    assert.equal(progressPosition({ epoch: 5, step: 0, steps: 0 }), 5); // save
    assert.equal(progressFraction({ epoch: 2, epochs: 4, step: 5, steps: 10 }), 0.375);
  });

  it('keeps distill steps with a loss or temperature only', () => {
    const base = { type: 'progress' as const, epochs: 2, imagesPerSecond: 1, etaSeconds: 1 };
    assert.deepEqual(stepPointOf({ ...base, phase: 'distill', epoch: 1, step: 1, steps: 4, loss: 0.5, temperature: 1.5 }), { x: 0.25, loss: 0.5, temperature: 1.5 });
    assert.equal(stepPointOf({ ...base, phase: 'load', epoch: 0, step: 0, steps: 0 }), null);
    assert.equal(stepPointOf({ ...base, phase: 'distill', epoch: 1, step: 1, steps: 4 }), null);
  });

  it('thins the history when full and never stacks a repeated position', () => {
    let points = [] as ReturnType<typeof appendStepPoint>;
    for (let i = 1; i <= 25; i++) points = appendStepPoint(points, { x: i, loss: i, temperature: null }, 10);
    assert.ok(points.length <= 10);
    assert.equal(points[points.length - 1].x, 25);
    assert.ok(points.every((p, i) => i === 0 || p.x > points[i - 1].x));
    const replaced = appendStepPoint([{ x: 1, loss: 1, temperature: null }], { x: 1, loss: 2, temperature: null });
    assert.deepEqual(replaced, [{ x: 1, loss: 2, temperature: null }]);
    assert.deepEqual(thin([1, 2, 3, 4]), [1, 3, 4]);
  });
});

describe('panel chart series', () => {
  it('draws per-epoch records at their epoch and adds ACC/ASR only with evaluation data', () => {
    const job = newJobView('j', 'cleanse', { model: 'm', data: 'd', out: 'o', epochs: 10 }, 'running', 0);
    const record = { epoch: 1, temperature: 1.3, lr: 0.01, loss: 0.2, agreement: 0.9, topClassShare: 0.12, seconds: 1, imagesPerSecond: 100 };
    const withEpoch = { ...job, epochs: [record] };
    assert.deepEqual(epochDomain(withEpoch), [0, 10]);
    const charts = chartsFor(withEpoch);
    assert.deepEqual(charts.map((c) => c.id), ['loss', 'temperature', 'agreement']);
    assert.deepEqual(charts[2].spec.series[0].points, [{ x: 1, y: 0.9 }]);
    const metrics = { acc: 0.9, asr: 0.95, ra: 0.04, n: 100, nTriggered: 90 };
    const evaluated = chartsFor({ ...withEpoch, before: metrics, epochs: [{ ...record, eval: { ...metrics, asr: 0.1 } }] });
    const evalChart = evaluated.find((c) => c.id === 'eval');
    assert.ok(evalChart);
    assert.deepEqual(evalChart.spec.series.find((s) => s.id === 'asr')?.points, [{ x: 0, y: 0.95 }, { x: 1, y: 0.1 }]);
    // Without per-epoch evaluation: before at 0, after at the last epoch.
    const beforeAfter = chartsFor({ ...withEpoch, before: metrics, after: { ...metrics, asr: 0.02 } }).find((c) => c.id === 'eval');
    assert.deepEqual(beforeAfter?.spec.series.find((s) => s.id === 'asr')?.points, [{ x: 0, y: 0.95 }, { x: 1, y: 0.02 }]);
  });
});

describe('panel table sorting', () => {
  const rows = [layer('conv1', { weightDrift: 0.3 }), layer('conv2', { weightDrift: null }), layer('dense', { kind: 'Dense', weightDrift: 0.9 }), layer('conv10', { weightDrift: 0.3 })];

  it('sorts numbers, keeps ties in depth order and missing values last', () => {
    const asc = sortRows(rows, LAYER_COLUMNS, { key: 'weightDrift', direction: 'asc' }).map((l) => l.name);
    assert.deepEqual(asc, ['conv1', 'conv10', 'dense', 'conv2']);
    const desc = sortRows(rows, LAYER_COLUMNS, { key: 'weightDrift', direction: 'desc' }).map((l) => l.name);
    assert.deepEqual(desc, ['dense', 'conv1', 'conv10', 'conv2']);
  });

  it('sorts names naturally and depth by the original order', () => {
    assert.deepEqual(sortRows(rows, LAYER_COLUMNS, { key: 'name', direction: 'asc' }).map((l) => l.name), ['conv1', 'conv2', 'conv10', 'dense']);
    assert.deepEqual(sortRows(rows, LAYER_COLUMNS, { key: 'depth', direction: 'desc' }).map((l) => l.name), ['conv10', 'dense', 'conv2', 'conv1']);
    assert.deepEqual(rows.map((l) => l.name), ['conv1', 'conv2', 'dense', 'conv10'], 'input untouched');
  });

  it('shows optional diagnostics columns only when some layer has them', () => {
    const keys = visibleLayerColumns(rows).map((c) => c.key);
    assert.ok(keys.includes('weightDrift'));
    assert.equal(keys.includes('lipschitzZ'), false);
    assert.equal(keys.includes('warning'), false);
    const withWarning = visibleLayerColumns([...rows, layer('x', { warning: 'drift', lipschitzZ: 4.2 })]).map((c) => c.key);
    assert.ok(withWarning.includes('warning') && withWarning.includes('lipschitzZ'));
  });

  it('flips on the same column and starts numbers largest-first', () => {
    assert.deepEqual(nextSort({ key: 'name', direction: 'asc' }, 'name', LAYER_COLUMNS), { key: 'name', direction: 'desc' });
    assert.deepEqual(nextSort({ key: 'name', direction: 'asc' }, 'weightDrift', LAYER_COLUMNS), { key: 'weightDrift', direction: 'desc' });
    assert.deepEqual(nextSort({ key: 'weightDrift', direction: 'desc' }, 'kind', LAYER_COLUMNS), { key: 'kind', direction: 'asc' });
    assert.equal(ariaSort({ key: 'kind', direction: 'asc' }, 'kind'), 'ascending');
    assert.equal(ariaSort({ key: 'kind', direction: 'asc' }, 'name'), 'none');
  });
});

describe('panel before/after rows', () => {
  it('judges ASR falling and ACC rising as better, skipping figures never measured', () => {
    const rows = metricsRows({ acc: 0.91, asr: 0.97, ra: null, n: 100, nTriggered: 90 }, { acc: 0.89, asr: 0.02, ra: null, n: 100, nTriggered: 90 });
    assert.deepEqual(rows.map((r) => [r.key, r.verdict]), [['acc', 'worse'], ['asr', 'better']]);
    assert.equal(rows[1].change, '−95.0 pp');
    assert.deepEqual(metricsRows(null, null), []);
    assert.equal(metricsRows({ acc: 0.9, asr: null, ra: null, n: 1, nTriggered: 0 }, { acc: 0.902, asr: null, ra: null, n: 1, nTriggered: 0 })[0].verdict, null);
  });
});
