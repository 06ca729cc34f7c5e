/**
 * The panel's diagnostics: the layer table's new columns and their formatting and tooltips, the
 * findings in words (data quality, suspect class, kept epoch, re-activation chart), the inspect
 * findings in the schedule state, and the host inlining the trigger PNG for the webview's CSP.
 */
import * as assert from 'node:assert/strict';
import { inlineEventImages, inlineReportImages, pngDataUri } from '../../../src/extension/panel/reportImages';
import { DIAGNOSTIC_EXPLANATIONS } from '../../../src/shared/diagnosticsText';
import { PANEL_PROTOCOL_VERSION, notification } from '../../../src/shared/panelMessages';
import type { InspectResult } from '../../../src/shared/protocol';
import type { RunRecord, LayerDiagnostics } from '../../../src/shared/report';
import { buildChart } from '../../../src/webview/chartMath';
import { dataQualityView, focusLine, inspectFindings, reactivationChart, selectionLine, suspectLine, triggerImageOf } from '../../../src/webview/findings';
import { DIAGNOSTIC_COLUMNS, explanationOf, visibleDiagnosticColumns, visibleLayerColumns } from '../../../src/webview/layerColumns';
import { applyNotification } from '../../../src/webview/reducer';
import { scheduleForModel } from '../../../src/webview/schedule';
import { initialPanelState, type PanelState } from '../../../src/webview/state';

function layer(name: string, extra: Partial<LayerDiagnostics> = {}): LayerDiagnostics {
  return { name, kind: 'Conv2D', params: 100, reinitRatio: 0.1, reinitFraction: 0.1, weightDrift: 0.2, ...extra };
}

const PNG_BYTES = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3]);
const QUALITY = { images: 200, meanConfidence: 0.412, meanEntropy: 0.7345, classShares: [0.5, 0.5], topClassShare: 0.5, verdict: 'warn' as const, reasons: ['The model is unsure on most images.'] };

describe('panel layer diagnostics columns', () => {
  const rows = [
    layer('conv1', { lipschitzMax: 12.3456, lipschitzZ: 4.2, deadShare: 0.25, activationMean: 0.01234, activationMax: 7.891, outputChange: 0.3, warning: 'Lipschitz outlier' }),
    layer('bn1', { kind: 'BatchNormalization', bnDivergence: 1.5 }),
    layer('fc'),
  ];

  it('adds a column per figure some layer has, formatted, with the shared explanation as tooltip', () => {
    assert.deepEqual(visibleLayerColumns(rows).map((c) => c.key), [
      'name', 'kind', 'params', 'reinitRatio', 'reinitFraction', 'weightDrift',
      'outputChange', 'lipschitzMax', 'lipschitzZ', 'bnDivergence', 'activationMean', 'activationMax', 'deadShare', 'warning',
    ]);
    assert.deepEqual(visibleLayerColumns([layer('fc')]).map((c) => c.key), ['name', 'kind', 'params', 'reinitRatio', 'reinitFraction', 'weightDrift']);
    const cells = Object.fromEntries(DIAGNOSTIC_COLUMNS.map((c) => [c.key, c.format!(rows[0])]));
    assert.deepEqual(cells, {
      outputChange: '30.0%', lipschitzMax: '12.3', lipschitzZ: '4.2', bnDivergence: '—', activationMean: '0.0123', activationMax: '7.89', deadShare: '25.0%', warning: 'Lipschitz outlier',
    });
    for (const key of ['lipschitzMax', 'lipschitzZ', 'bnDivergence', 'activationMean', 'activationMax', 'deadShare']) {
      assert.equal(DIAGNOSTIC_COLUMNS.find((c) => c.key === key)?.description, DIAGNOSTIC_EXPLANATIONS[key]);
    }
    for (const column of DIAGNOSTIC_COLUMNS) assert.ok(explanationOf(column.key).length > 10, `${column.key} has a tooltip`);
  });

  it("shows an inspect's diagnostics in the schedule table only where it has them", () => {
    const inspectLayers = [
      { name: 'conv1', kind: 'Conv2D', params: 10, group: 'stem', ratio: 0.01, outputShape: [null, 4], lipschitzMax: 2, lipschitzZ: 0.5, warning: null },
      { name: 'fc', kind: 'Dense', params: 10, group: 'classifier', ratio: 0.1, outputShape: [null, 2], lipschitzMax: null },
    ];
    assert.deepEqual(visibleDiagnosticColumns(inspectLayers).map((c) => c.key), ['lipschitzMax', 'lipschitzZ']);
  });
});

describe('panel findings', () => {
  it('words the data-quality verdict with its figures and reasons', () => {
    assert.deepEqual(dataQualityView(QUALITY), {
      verdict: 'warn',
      headline: 'The images may not fit the model.',
      figures: '200 images: mean confidence 41.2%, normalized entropy 0.73, largest class share 50.0%',
      reasons: ['The model is unsure on most images.'],
    });
    assert.equal(dataQualityView({ ...QUALITY, verdict: 'ok', reasons: [] }).headline, 'The images fit the model.');
  });

  it('names the suspect class with its anomaly index, or says none stands out after a scan', () => {
    assert.equal(suspectLine({ class: 3, anomalyIndex: 4.1234 }, true), 'Suspected target: class 3 (anomaly index 4.12, above 2): a much smaller patch sends images to it than to any other class.');
    assert.match(suspectLine(null, true), /^No class stands out/);
    // Named by the warp check: the line says a one-pixel warp, not a small patch, was the evidence.
    assert.match(suspectLine({ class: 0, anomalyIndex: 6.1, evidence: 'warp' }, true), /^Suspected target: class 0 \(anomaly index 6\.1.*a warp of at most one pixel/);
    assert.equal(suspectLine(null, false), '');
    const scan = { perClass: [], suspect: { class: 0, anomalyIndex: 3.8 } };
    assert.equal(focusLine(scan), '', 'no focus recorded (inspect, or focusing off)');
    assert.equal(
      focusLine({ ...scan, focus: { window: { top: 21, left: 21, size: 7 }, flipRate: 0.823, fullFlipRate: 0.96 } }),
      'Unlearned the 7x7 window at row 21, column 21 of the recovered trigger: it flips 82.3% of your images to the class (the whole mask 96.0%).',
    );
    assert.match(focusLine({ ...scan, focus: { window: null, flipRate: 0.9, fullFlipRate: 0.9 } }), /^Unlearned the whole recovered trigger: no single window carries it \(it flips 90.0%/);
    assert.equal(triggerImageOf({ perClass: [], suspect: null, triggerImage: 'data:image/png;base64,AAAA' }), 'data:image/png;base64,AAAA');
    assert.equal(triggerImageOf({ perClass: [], suspect: null, triggerImage: 'trigger.png' }), null, 'a file path is never put in an <img>');
    assert.equal(selectionLine({ epoch: 7, rule: 'highest teacher agreement' }), 'Kept the student of epoch 7: highest teacher agreement');
  });

  it('draws the re-activation probe as two ASR curves over the fine-tuning steps', () => {
    const spec = reactivationChart({ steps: [0, 10, 20], attackedAsr: [0.9, 1, 1], cleansedAsr: [0.05, 0.1, Number.NaN], images: 64 });
    assert.deepEqual(spec.series.map((s) => s.id), ['reactivation-attacked', 'reactivation-cleansed']);
    assert.deepEqual(spec.series[1].points, [{ x: 0, y: 0.05 }, { x: 10, y: 0.1 }, { x: 20, y: null }]);
    assert.deepEqual(spec.xDomain, [0, 20]);
    const model = buildChart(spec);
    assert.equal(model.series[0].dots.length, 3);
    assert.equal(model.series[1].dots.length, 2);
    assert.equal(spec.formatY!(0.5), '50%');
  });

  it("keeps an inspect's findings with the schedule, and drops them when the model changes", () => {
    const result: InspectResult = {
      type: 'result', model: '/m/model.json', inputShape: [null, 8, 8, 1], classes: 2, params: 20,
      layers: [{ name: 'conv1', kind: 'Conv2D', params: 20, group: 'stem', ratio: 0.01, outputShape: [null, 4], lipschitzZ: 5, warning: 'outlier' }],
      dataQuality: QUALITY,
      suspect: { class: 1, anomalyIndex: 3 },
      suspectScan: { perClass: [], suspect: { class: 1, anomalyIndex: 3 }, triggerImage: 'data:image/png;base64,AAAA' },
    };
    assert.deepEqual(inspectFindings(result), { dataQuality: QUALITY, suspect: { class: 1, anomalyIndex: 3 }, suspectScan: result.suspectScan });
    assert.equal(inspectFindings({ ...result, dataQuality: undefined, suspect: undefined, suspectScan: undefined }), null);
    let state: PanelState = { ...initialPanelState(), schedule: { ...scheduleForModel(null, '/m/model.json'), scanned: true } };
    state = applyNotification(state, notification('inspect/result', { model: '/m/model.json', result }), 1);
    assert.equal(state.schedule?.status, 'ready');
    assert.equal(state.schedule?.findings?.suspect?.class, 1);
    assert.equal(state.schedule?.layers[0].warning, 'outlier');
    assert.equal(scheduleForModel(state.schedule, '/other/model.json').findings, undefined);
    assert.equal(PANEL_PROTOCOL_VERSION, 2);
  });
});

describe('panel host: trigger image for the CSP', () => {
  const report = { kind: 'cleanse', suspect: { perClass: [], suspect: { class: 2, anomalyIndex: 3.3 }, triggerImage: 'trigger.png' } } as unknown as RunRecord;

  it('inlines a PNG next to the report as a data: URI, and nothing that is not a PNG', () => {
    const read = (file: string) => {
      assert.equal(file, '/runs/out/trigger.png');
      return PNG_BYTES;
    };
    assert.equal(pngDataUri('trigger.png', '/runs/out/report.json', read), `data:image/png;base64,${PNG_BYTES.toString('base64')}`);
    assert.equal(pngDataUri('trigger.png', '/runs/out/report.json', () => Buffer.from('<svg onload=alert(1)>')), null);
    assert.equal(pngDataUri('trigger.svg', '/runs/out/report.json', read), null);
    assert.equal(pngDataUri('trigger.png', '/runs/out/report.json', () => { throw new Error('ENOENT'); }), null);
    const inlined = inlineReportImages(report, '/runs/out/report.json', read);
    assert.match(inlined.suspect?.triggerImage ?? '', /^data:image\/png;base64,/);
    assert.equal(report.suspect?.triggerImage, 'trigger.png', 'the input is left alone');
    const event = inlineEventImages({ type: 'report', path: '/runs/out/report.json', report }, read);
    assert.ok(event.type === 'report' && event.report.suspect?.triggerImage?.startsWith('data:'));
    const log = { type: 'log' as const, level: 'info' as const, message: 'x' };
    assert.equal(inlineEventImages(log, read), log);
  });
});
