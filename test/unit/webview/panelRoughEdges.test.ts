/**
 * The rough edges a first-time user met (issue 15), in the pure parts: ratios shown as typed,
 * the scan's progress line and its cancel, whole-epoch chart ticks, the recovered trigger as
 * three pictures with the flip rate, only warned layers in Problems, and the scan phase in the
 * CLI's progress line and the notification.
 */
import * as assert from 'node:assert/strict';
import { progressLine } from '../../../src/cli/reporter';
import { problemsToShow, type LayerProblem } from '../../../src/extension/annotations/layerAnnotations';
import { inlineReportImages } from '../../../src/extension/panel/reportImages';
import { describeProgress } from '../../../src/extension/progressText';
import type { EngineEvent, InspectLayer } from '../../../src/shared/protocol';
import type { RunRecord, SuspectScan } from '../../../src/shared/report';
import { buildChart, niceTicks } from '../../../src/webview/chartMath';
import { chartsFor } from '../../../src/webview/chartSeries';
import { triggerPictures } from '../../../src/webview/findings';
import { formatRatio } from '../../../src/webview/format';
import { cancelScan, scanProgressText } from '../../../src/webview/schedule';
import { newJobView, type ScheduleState } from '../../../src/webview/state';

type Progress = Extract<EngineEvent, { type: 'progress' }>;
const scanEvent = (over: Partial<Progress> = {}): Progress => ({ type: 'progress', phase: 'scan', epoch: 3, epochs: 10, step: 2, steps: 8, imagesPerSecond: null, etaSeconds: 80, ...over });
const PNG_URI = 'data:image/png;base64,iVBORw0KGgo=';

describe('panel rough edges (issue 15)', () => {
  it('shows a ratio as typed: no float noise, no padding', () => {
    assert.equal(formatRatio(0.030000000000000002), '0.03');
    assert.equal(formatRatio(0.3), '0.3');
    assert.equal(formatRatio(0.0125), '0.0125');
    assert.equal(formatRatio(Number.NaN), '');
  });

  it('says which class the scan is on, its round and the time left', () => {
    assert.equal(scanProgressText(scanEvent(), (s) => `${s}s`), 'Scanning for a trigger: class 3 of 10 (round 2/8) · 80s left');
    assert.equal(scanProgressText(scanEvent({ etaSeconds: null }), (s) => `${s}s`), 'Scanning for a trigger: class 3 of 10 (round 2/8)');
    assert.equal(scanProgressText(scanEvent({ phase: 'distill' }), String), '');
    assert.equal(scanProgressText(null, String), '');
  });

  it('cancel during the scan returns to the model\'s layers with no findings; other states are left alone', () => {
    const layer = { name: 'conv1', kind: 'Conv2D', params: 10, group: 'stage1', ratio: 0.03, outputShape: [] } as unknown as InspectLayer;
    const scanning: ScheduleState = { model: 'm.json', status: 'loading', error: null, layers: [layer], edits: { conv1: '0.2' }, classes: 10, params: 10, scanned: true, scanProgress: scanEvent(), findings: null };
    const after = cancelScan(scanning);
    assert.equal(after.status, 'ready');
    assert.equal(after.scanned, false);
    assert.equal(after.scanProgress, null);
    assert.deepEqual(after.edits, { conv1: '0.2' }, 'the user\'s edits survive');
    const reading = { ...scanning, scanned: false };
    assert.equal(cancelScan(reading), reading, 'a plain model read is not a scan');
  });

  it('ticks the epoch axis at whole epochs only', () => {
    assert.deepEqual(niceTicks(0, 3, 5, 1), [0, 1, 2, 3]);
    assert.deepEqual(niceTicks(0, 3, 5), [0, 0.5, 1, 1.5, 2, 2.5, 3]);
    const job = newJobView('j', 'cleanse', { model: 'm', data: 'd', out: 'o', epochs: 2 }, 'running', 0, 'bcu');
    for (const chart of chartsFor({ ...job, steps: [{ x: 0.5, loss: 1, temperature: 2 }] })) {
      const layout = buildChart(chart.spec);
      assert.ok(layout.xTicks.every((t) => Number.isInteger(t.value)), `${chart.id}: ${layout.xTicks.map((t) => t.value)}`);
    }
  });

  it('shows the recovered trigger as mask, pattern and stamped image with the class\'s flip rate', () => {
    const scan: SuspectScan = {
      perClass: [
        { class: 0, maskL1: 30, flipRate: 0.97, anomalyIndex: 3 },
        { class: 1, maskL1: 120, flipRate: 0.9, anomalyIndex: -1 },
      ],
      suspect: { class: 0, anomalyIndex: 3 },
      triggerImage: PNG_URI,
      maskImage: PNG_URI,
      patternImage: 'suspect-trigger-pattern.png',
      stampedImage: PNG_URI,
    };
    const shown = triggerPictures(scan);
    assert.deepEqual(shown.pictures.map((p) => p.key), ['mask', 'stamped'], 'a file name is never put in an <img>');
    assert.equal(shown.cls, 0);
    assert.equal(shown.flipRate, 0.97);
    const noSuspect = triggerPictures({ ...scan, suspect: null, perClass: [{ class: 4, maskL1: 5, flipRate: 0.5, anomalyIndex: 1 }, ...scan.perClass] });
    assert.equal(noSuspect.cls, 4, 'without a suspect: the smallest mask');
    assert.deepEqual(triggerPictures(null).pictures, []);
  });

  it('inlines every scan picture of a stored report, and only PNG files', () => {
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3]);
    const report = { kind: 'cleanse', suspect: { perClass: [], suspect: null, triggerImage: 't.png', maskImage: 'm.png', patternImage: 'p.txt', stampedImage: null } } as unknown as RunRecord;
    const read = (file: string) => (file.endsWith('.png') ? png : Buffer.from('x'));
    const inlined = inlineReportImages(report, '/runs/a/report.json', read).suspect!;
    assert.match(inlined.triggerImage ?? '', /^data:image\/png;base64,/);
    assert.match(inlined.maskImage ?? '', /^data:image\/png;base64,/);
    assert.equal(inlined.patternImage, null);
    assert.equal(inlined.stampedImage, null);
  });

  it('sends only warned layers to Problems unless information is asked for', () => {
    const range = { start: { line: 0, character: 0 }, end: { line: 0, character: 1 } } as LayerProblem['range'];
    const problems: LayerProblem[] = [
      { layer: 'a', range, severity: 'information', message: 'a: re-initialized' },
      { layer: 'b', range, severity: 'warning', message: 'b: drifted' },
    ];
    assert.deepEqual(problemsToShow(problems, false).map((p) => p.layer), ['b']);
    assert.deepEqual(problemsToShow(problems, true).map((p) => p.layer), ['a', 'b']);
  });

  it('names the scan\'s class in the CLI progress line and the notification', () => {
    assert.match(progressLine(scanEvent()), /^scan .* class 3\/10 {2}round 2\/8 .*ETA 1:20$/);
    const view = describeProgress(scanEvent({ step: 4 }));
    assert.match(view.message, /class 3 of 10/);
    assert.equal(view.fraction, 0.25); // (2 classes done + half of the third) / 10
  });
});
