/** The panel state: restore after reload and the reducer over host notifications. */
import * as assert from 'node:assert/strict';
import { PANEL_PROTOCOL_VERSION, notification, type PanelNotificationParams } from '../../../src/shared/panelMessages';
import type { CleanseParams, CleanseResult, EngineEvent } from '../../../src/shared/protocol';
import type { RunRecord } from '../../../src/shared/report';
import { applyEngineEvent, applyNotification, jobViewFromReport } from '../../../src/webview/reducer';
import { scheduleForModel } from '../../../src/webview/schedule';
import { PANEL_STATE_VERSION, initialPanelState, newJobView, restorePanelState, type PanelState } from '../../../src/webview/state';

const PARAMS: CleanseParams = { model: '/m/model.json', data: '/d', out: '/o', epochs: 2 };
const SPEC = { kind: 'cleanse' as const, params: PARAMS };
const INIT: PanelNotificationParams['state/init'] = {
  protocol: PANEL_PROTOCOL_VERSION,
  defaults: { epochs: 7, batch: 32, lr: 0.02, seed: 5, backend: 'wasm', limit: null },
  methods: [],
  backends: ['auto', 'wasm'],
  job: null,
};
const METRICS = { acc: 0.9, asr: 0.95, ra: 0.03, n: 100, nTriggered: 90 };
const RECORD = { epoch: 1, temperature: 2.5, lr: 0.01, loss: 0.3, agreement: 0.8, topClassShare: 0.2, seconds: 3, imagesPerSecond: 50 };

function apply(state: PanelState, ...messages: ReturnType<typeof notification>[]): PanelState {
  return messages.reduce((s, m) => applyNotification(s, m, 1000), state);
}

function running(): PanelState {
  return apply(initialPanelState(), notification('state/init', INIT), notification('job/started', { jobId: 'j1', spec: SPEC, queued: false }));
}

describe('panel state restore', () => {
  it('restores a saved state of this version and drops anything else', () => {
    const saved = { ...initialPanelState(), form: { ...initialPanelState().form, model: '/m/model.json' } };
    assert.equal(restorePanelState(JSON.parse(JSON.stringify(saved))).form.model, '/m/model.json');
    assert.deepEqual(restorePanelState({ version: PANEL_STATE_VERSION + 1, form: { model: 'x' } }), initialPanelState());
    assert.deepEqual(restorePanelState(undefined), initialPanelState());
    assert.deepEqual(restorePanelState('junk'), initialPanelState());
  });
});

describe('panel reducer', () => {
  it('takes the settings from the host once and keeps typed paths', () => {
    const typed = { ...initialPanelState(), form: { ...initialPanelState().form, model: '/m/model.json', epochs: '99' } };
    const once = apply(typed, notification('state/init', INIT));
    assert.equal(once.form.model, '/m/model.json');
    assert.equal(once.form.epochs, '7');
    assert.equal(once.form.backend, 'wasm');
    assert.deepEqual(once.backends, ['auto', 'wasm']);
    const edited = { ...once, form: { ...once.form, epochs: '3' } };
    assert.equal(apply(edited, notification('state/init', INIT)).form.epochs, '3', 'a second init (reload) keeps the user value');
    assert.equal(apply(initialPanelState(), notification('state/init', { ...INIT, protocol: 99 })).protocolMismatch, 99);
  });

  it('fills a picked path and ignores a dismissed dialog', () => {
    const state = initialPanelState();
    assert.equal(apply(state, notification('picked', { field: 'evalData', path: '/e' })).form.evalData, '/e');
    assert.equal(apply(state, notification('picked', { field: 'data', path: undefined })), state);
  });

  it('follows a cleanse from queued to running to done', () => {
    let state = apply(initialPanelState(), notification('job/started', { jobId: 'j1', spec: SPEC, queued: true }));
    assert.equal(state.job?.status, 'queued');
    state = apply(state, notification('job/started', { jobId: 'j1', spec: SPEC, queued: false }));
    assert.equal(state.job?.status, 'running');
    const events: EngineEvent[] = [
      { type: 'backend', backend: { name: 'wasm', threads: 2, reason: 'tfjs-node not installed' } },
      { type: 'metrics', which: 'before', metrics: METRICS },
      { type: 'progress', phase: 'distill', epoch: 1, epochs: 2, step: 1, steps: 2, imagesPerSecond: 10, etaSeconds: 3, loss: 0.4, temperature: 2.5 },
      { type: 'epoch', record: RECORD },
      { type: 'log', level: 'warn', message: '3 files skipped' },
      { type: 'layers', layers: [{ name: 'conv1', kind: 'Conv2D', params: 10, reinitRatio: 0.01, reinitFraction: 0.01, weightDrift: 0.1 }] },
    ];
    for (const event of events) state = apply(state, notification('job/event', { jobId: 'j1', event }));
    const job = state.job!;
    assert.equal(job.backend?.name, 'wasm');
    assert.deepEqual(job.before, METRICS);
    assert.deepEqual(job.steps, [{ x: 0.5, loss: 0.4, temperature: 2.5 }]);
    assert.deepEqual(job.epochs, [RECORD]);
    assert.equal(job.layers.length, 1);
    assert.equal(job.logs[0].message, '3 files skipped');
    const result: CleanseResult = { type: 'result', model: '/o/model.json', report: '/o/report.json', before: METRICS, after: { ...METRICS, asr: 0.02 }, agreement: 0.97, seconds: 12 };
    state = apply(state, notification('job/ended', { jobId: 'j1', ok: true, result }));
    assert.equal(state.job?.status, 'done');
    assert.equal(state.job?.after?.asr, 0.02);
    assert.equal(state.job?.reportPath, '/o/report.json');
    assert.equal(state.job?.result?.model, '/o/model.json');
  });

  it('ignores events of other jobs and inspect jobs', () => {
    const state = running();
    assert.equal(apply(state, notification('job/event', { jobId: 'other', event: { type: 'log', level: 'info', message: 'x' } })), state);
    assert.equal(apply(state, notification('job/started', { jobId: 'i1', spec: { kind: 'inspect', params: { model: '/m' } }, queued: false })), state);
    assert.equal(apply(state, notification('job/ended', { jobId: 'other', ok: true })), state);
  });

  it('tells cancelled from failed', () => {
    const cancelled = apply(running(), notification('job/ended', { jobId: 'j1', ok: false, error: { kind: 'cancelled', message: 'cancelled' } }));
    assert.equal(cancelled.job?.status, 'cancelled');
    const failed = apply(running(), notification('job/ended', { jobId: 'j1', ok: false, error: { kind: 'diverged', message: 'loss became NaN' } }));
    assert.equal(failed.job?.status, 'failed');
    assert.equal(failed.job?.error?.kind, 'diverged');
  });

  it('rebuilds a running job from the host history, keeping its own step curve', () => {
    const state = running();
    const withSteps = { ...state, job: { ...state.job!, steps: [{ x: 0.25, loss: 0.5, temperature: 2 }] } };
    const history: EngineEvent[] = [{ type: 'epoch', record: RECORD }, { type: 'backend', backend: { name: 'cpu', threads: 1, reason: 'r' } }];
    const next = apply(withSteps, notification('state/init', { ...INIT, job: { jobId: 'j1', spec: SPEC, queued: false, history } }));
    assert.deepEqual(next.job?.epochs, [RECORD]);
    assert.equal(next.job?.backend?.name, 'cpu');
    assert.deepEqual(next.job?.steps, [{ x: 0.25, loss: 0.5, temperature: 2 }]);
  });

  it('marks a run that ended while the panel was gone, then takes its report as the same run', () => {
    const withSteps = running();
    const lost = apply({ ...withSteps, job: { ...withSteps.job!, steps: [{ x: 0.5, loss: 1, temperature: 1 }] } }, notification('state/init', INIT));
    assert.equal(lost.job?.status, 'interrupted');
    const found = apply(lost, notification('report/loaded', { path: '/o/report.json', report: reportFixture() }));
    assert.equal(found.job?.status, 'done');
    assert.equal(found.job?.jobId, 'j1');
    assert.equal(found.job?.steps.length, 1);
  });

  it('applies an inspect answer to the matching model only, keeping valid edits', () => {
    const layers = [{ name: 'conv1', kind: 'Conv2D', params: 10, group: 'stem', ratio: 0.01, outputShape: [] }];
    const base = { ...initialPanelState(), schedule: { ...scheduleForModel(null, '/m/model.json'), edits: { conv1: '0.2', gone: '0.3' } } };
    const result = { type: 'result' as const, model: '/abs/m/model.json', inputShape: [null, 32, 32, 3], classes: 10, params: 10, layers };
    const next = apply(base, notification('inspect/result', { model: '/m/model.json', result }));
    assert.equal(next.schedule?.status, 'ready');
    assert.deepEqual(next.schedule?.edits, { conv1: '0.2' });
    assert.equal(apply(base, notification('inspect/result', { model: '/other.json', result })), base);
    const failed = apply(base, notification('inspect/result', { model: '/m/model.json', error: 'not a LayersModel' }));
    assert.equal(failed.schedule?.status, 'error');
    assert.equal(failed.schedule?.error, 'not a LayersModel');
  });

  it('replaces a repeated epoch record and takes the final report as the truth', () => {
    let job = newJobView('j', 'cleanse', PARAMS, 'running', 0);
    job = applyEngineEvent(job, { type: 'epoch', record: RECORD });
    job = applyEngineEvent(job, { type: 'epoch', record: { ...RECORD, loss: 0.1 } });
    assert.equal(job.epochs.length, 1);
    assert.equal(job.epochs[0].loss, 0.1);
    const report = reportFixture();
    job = applyEngineEvent(job, { type: 'report', path: '/o/report.json', report });
    assert.equal(job.reportPath, '/o/report.json');
    assert.equal(job.layers.length, 1);
    assert.deepEqual(job.after, report.after);
  });

  it('shows a stored report as a finished run', () => {
    const report = reportFixture();
    const state = apply(initialPanelState(), notification('report/loaded', { path: '/o/report.json', report }));
    assert.equal(state.job?.status, 'done');
    assert.equal(state.job?.result?.model, '/o/model.json');
    assert.equal(state.job?.params?.epochs, 2);
    assert.equal(state.job?.result?.seconds, 12);
    assert.deepEqual(jobViewFromReport('/o/report.json', report, 5).logs, [{ level: 'warn', message: 'w' }]);
  });
});

function reportFixture(): RunRecord {
  return {
    schemaVersion: 1,
    kind: 'cleanse',
    tool: { name: 'backdoor-cleanse', version: '0.1.0' },
    createdAt: '2026-01-01T00:00:00Z',
    inputs: { model: '/m/model.json', modelSha256: 'x', data: '/d', images: 100, skippedImages: 0, backend: { name: 'wasm', threads: 2, reason: 'r' } },
    outputs: { model: '/o/model.json', report: '/o/report.json' },
    settings: { epochs: 2, batchSize: 32, lr: 0.01, seed: 1 },
    epochs: [RECORD],
    layers: [{ name: 'conv1', kind: 'Conv2D', params: 10, reinitRatio: 0.01, reinitFraction: 0.01, weightDrift: 0.1 }],
    before: METRICS,
    after: { ...METRICS, asr: 0.01 },
    warnings: ['w'],
    timings: { totalSeconds: 12 },
  };
}
