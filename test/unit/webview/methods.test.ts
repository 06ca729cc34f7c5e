/**
 * The panel's defense choice: the method list and its badges, how the form adapts per method, the
 * job the host builds from Start, and how a defend job's events and result fold into the view.
 */
import * as assert from 'node:assert/strict';
import { DEFAULT_CONFIG } from '../../../src/extension/config';
import { jobSpecFrom } from '../../../src/extension/jobSpecFrom';
import { DEFENSE_METHODS, isPanelRunKind, notification, type DefenseMethod } from '../../../src/shared/panelMessages';
import { DEFENSE_NEEDS, type CleanseParams, type DefendResult, type InspectLayer, type JobSpec } from '../../../src/shared/protocol';
import type { RunRecord } from '../../../src/shared/report';
import { chartsFor } from '../../../src/webview/chartSeries';
import { prunedLine } from '../../../src/webview/findings';
import { dataFieldFor, methodOptionText, startLabel, usesSchedule } from '../../../src/webview/methods';
import { applyNotification, jobViewFromReport, runOfSpec, runResultOf } from '../../../src/webview/reducer';
import { initialFormValues, initialPanelState, newJobView, type FormValues, type PanelState, type ScheduleState } from '../../../src/webview/state';
import { jobFor, validateForm } from '../../../src/webview/validation';

const LAYERS: InspectLayer[] = [
  { name: 'conv1', kind: 'Conv2D', params: 1000, group: 'stem', ratio: 0.01, outputShape: [null, 32, 32, 16] },
  { name: 'dense', kind: 'Dense', params: 1000, group: 'classifier', ratio: 0.1, outputShape: [null, 10] },
];
const SCHEDULE: ScheduleState = { model: '/m/model.json', status: 'ready', error: null, layers: LAYERS, edits: { dense: '0.5' }, classes: 10, params: 2000 };

function form(values: Partial<FormValues> = {}): FormValues {
  return { ...initialFormValues({ epochs: 20, batch: 64, lr: 0.01, seed: 0, backend: 'auto', limit: null }), model: '/m/model.json', data: '/d', ...values };
}

describe('panel defense methods', () => {
  it('lists BCU, FT, FP, NAD and CLP, each badged with what DEFENSE_NEEDS says it needs', () => {
    assert.deepEqual(
      DEFENSE_METHODS.map((m) => [m.id, m.needs]),
      [
        ['bcu', 'unlabeled'],
        ['ft', 'labeled'],
        ['fp', 'labeled'],
        ['nad', 'labeled'],
        ['clp', 'data-free'],
      ],
    );
    for (const m of DEFENSE_METHODS) {
      assert.equal(m.needs, DEFENSE_NEEDS[m.id]);
      assert.match(m.label, new RegExp(`^${m.id.toUpperCase()}: `));
      assert.ok(m.description.length > 20 && !m.description.includes('\n'), `${m.id}: one line`);
    }
    assert.deepEqual(initialPanelState().methods, [...DEFENSE_METHODS]);
    assert.equal(methodOptionText(DEFENSE_METHODS[4]), 'CLP: channel Lipschitz pruning · data-free');
  });

  it('adapts the data field: unlabeled for BCU, labeled for FT/FP/NAD, not required for CLP', () => {
    assert.equal(dataFieldFor('bcu').label, 'Unlabeled images');
    for (const method of ['ft', 'fp', 'nad'] as const) {
      assert.equal(dataFieldFor(method).label, 'Labeled images');
      assert.match(dataFieldFor(method).help, /^Must be labeled/);
      assert.equal(dataFieldFor(method).required, true);
    }
    assert.equal(dataFieldFor('clp').required, false);
    assert.match(dataFieldFor('clp').label, /not required/);
    assert.deepEqual((['bcu', 'ft', 'clp'] as const).map(startLabel), ['Start cleanse', 'Start FT', 'Start CLP']);
    assert.deepEqual((['bcu', 'ft', 'fp', 'nad', 'clp'] as const).map(usesSchedule), [true, false, false, false, false]);
  });

  it('validates per method: CLP runs without images, labeled methods name what is missing', () => {
    const clp = validateForm(form({ method: 'clp', data: '' }), null);
    assert.equal(clp.ok, true);
    if (clp.ok) assert.equal(clp.params.data, '');
    const ft = validateForm(form({ method: 'ft', data: '' }), null);
    assert.equal(ft.ok, false);
    assert.match(ft.errors.data ?? '', /labeled images: a folder with one subfolder per class/);
    assert.match(validateForm(form({ method: 'bcu', data: '' }), null).errors.data ?? '', /unlabeled images/);
  });

  it('sends the schedule ratios with BCU only, and ignores schedule errors for other methods', () => {
    const bcu = validateForm(form(), SCHEDULE);
    const nad = validateForm(form({ method: 'nad' }), SCHEDULE);
    assert.ok(bcu.ok && nad.ok);
    if (bcu.ok) assert.deepEqual(bcu.params.ratios, { dense: 0.5 });
    if (nad.ok) assert.equal('ratios' in nad.params, false);
    const bad = { ...SCHEDULE, edits: { dense: '7' } };
    assert.equal(validateForm(form(), bad).ok, false);
    assert.equal(validateForm(form({ method: 'fp' }), bad).ok, true);
  });
});

describe('panel host: the job Start runs', () => {
  const places = { absolute: (file: string) => (file.startsWith('/') ? file.trim() : `/ws/${file.trim()}`), workspaceFolderOf: () => '/ws', exists: () => false };
  // What the host does with Start: the webview's job (jobFor), completed by jobSpecFrom.
  const start = (method: DefenseMethod, params: CleanseParams) => jobSpecFrom(DEFAULT_CONFIG, jobFor(method, params), places);
  const requested: CleanseParams = { model: 'm/model.json', data: 'labeled', out: '', epochs: 3, batch: 16, lr: 0.01, seed: 1, backend: 'wasm', ratios: { dense: 0.5 }, evalData: 'eval', trigger: 't.json' };

  it("keeps 'bcu' a cleanse job with absolute paths and the default output folder", () => {
    const choice = start('bcu', requested);
    assert.deepEqual(choice, {
      ok: true,
      spec: {
        kind: 'cleanse',
        params: { ...requested, model: '/ws/m/model.json', data: '/ws/labeled', out: '/ws/m-cleansed', evalData: '/ws/eval', trigger: '/ws/t.json' },
      },
    });
  });

  it('starts a defend job for the other methods, without the BCU schedule', () => {
    const choice = start('ft', { ...requested, out: 'out' });
    assert.deepEqual(choice, {
      ok: true,
      spec: {
        kind: 'defend',
        params: { method: 'ft', model: '/ws/m/model.json', data: '/ws/labeled', out: '/ws/out', epochs: 3, batch: 16, lr: 0.01, seed: 1, backend: 'wasm', evalData: '/ws/eval', trigger: '/ws/t.json' },
      },
    });
    const clp = start('clp', { ...requested, data: '' });
    assert.ok(clp.ok);
    if (clp.ok) {
      assert.equal(clp.spec.kind, 'defend');
      assert.equal('data' in clp.spec.params, false, 'no images for a data-free defense');
    }
  });

  it('refuses what the method cannot run without', () => {
    assert.deepEqual(start('nad', { ...requested, data: ' ' }), { ok: false, message: 'NAD needs a folder of labeled images.' });
    assert.deepEqual(start('bcu', { ...requested, data: '' }), { ok: false, message: 'choose a model and a data folder first.' });
    assert.deepEqual(start('clp', { ...requested, model: '' }), { ok: false, message: 'choose a model first.' });
    assert.equal(start('xx' as DefenseMethod, requested).ok, false);
    assert.deepEqual(start('__proto__' as DefenseMethod, requested), { ok: false, message: 'unknown defense "__proto__".' });
  });
});

describe('panel reducer: defend jobs', () => {
  const METRICS = { acc: 0.9, asr: 0.95, ra: 0.03, n: 100, nTriggered: 90 };
  const SPEC: JobSpec = { kind: 'defend', params: { method: 'fp', model: '/m/model.json', data: '/l', out: '/o', epochs: 2, u: 3 } };
  const apply = (state: PanelState, ...messages: ReturnType<typeof notification>[]) => messages.reduce((s, m) => applyNotification(s, m, 1000), state);

  it('follows a defend job like a cleanse, with its method and a result in the same shape', () => {
    assert.deepEqual(runOfSpec(SPEC), { kind: 'defend', method: 'fp', params: { model: '/m/model.json', data: '/l', out: '/o', epochs: 2 } });
    assert.equal(runOfSpec({ kind: 'inspect', params: { model: '/m/model.json' } }), null);
    assert.deepEqual(['cleanse', 'defend', 'inspect', 'evaluate'].map((k) => isPanelRunKind(k as JobSpec['kind'])), [true, true, false, false]);
    let state = apply(initialPanelState(), notification('job/started', { jobId: 'd1', spec: SPEC, queued: false }));
    assert.equal(state.job?.kind, 'defend');
    assert.equal(state.job?.method, 'fp');
    const result: DefendResult = { type: 'result', method: 'fp', needs: 'labeled', model: '/o/model.json', report: '/o/report.json', before: METRICS, after: { ...METRICS, asr: 0.04 }, pruned: { conv2: [1, 5] }, seconds: 9 };
    state = apply(state, notification('job/ended', { jobId: 'd1', ok: true, result }));
    assert.equal(state.job?.status, 'done');
    assert.deepEqual(state.job?.result, { type: 'result', model: '/o/model.json', report: '/o/report.json', before: METRICS, after: { ...METRICS, asr: 0.04 }, agreement: null, seconds: 9 });
    assert.equal(state.job?.after?.asr, 0.04);
    assert.equal(state.job?.reportPath, '/o/report.json');
    assert.deepEqual(state.job?.pruned, { conv2: [1, 5] });
    assert.equal(prunedLine({ conv2: [1, 5], conv3: [0, 2, 4], fc: [] }), 'Pruned 5 channels: conv3 3, conv2 2');
    assert.equal(prunedLine({ conv2: [] }), '');
    assert.equal(runResultOf({ type: 'result', acc: 0.9, asr: null, ra: null, n: 1, nTriggered: 0 }), null, 'an evaluation is no run result');
  });

  it('draws a training loss for a defense and leaves out the curves it never reports', () => {
    const record = { epoch: 1, temperature: Number.NaN, lr: 0.01, loss: 0.4, agreement: Number.NaN, topClassShare: Number.NaN, seconds: 1, imagesPerSecond: 10 };
    const defend = { ...newJobView('d', 'defend', { model: '/m', data: '/l', out: '/o', evalData: '/e' }, 'running', 0, 'ft'), epochs: [record] };
    assert.deepEqual(chartsFor(defend).map((c) => [c.id, c.title]), [
      ['loss', 'Training loss'],
      ['eval', 'Clean accuracy and attack success (labeled evaluation)'],
    ]);
    const clp = newJobView('d', 'defend', { model: '/m', data: '', out: '/o' }, 'done', 0, 'clp');
    assert.deepEqual(chartsFor(clp).map((c) => c.id), [], 'CLP trains nothing: no curves, no empty charts');
    const cleanse = newJobView('c', 'cleanse', { model: '/m', data: '/u', out: '/o' }, 'running', 0);
    assert.deepEqual(chartsFor(cleanse).map((c) => c.id), ['loss', 'temperature', 'agreement'], 'a cleanse shows its curves while they fill');
  });

  it("keeps a report's findings, from the report event and from a stored defend report", () => {
    const report: RunRecord = {
      schemaVersion: 1,
      kind: 'defend',
      tool: { name: 'backdoor-cleanse', version: '0' },
      createdAt: '2026-01-01T00:00:00Z',
      inputs: { model: '/m/model.json', modelSha256: '0', data: '/l', images: 10, skippedImages: 0, backend: { name: 'cpu', threads: 1, reason: 'r' } },
      outputs: { model: '/o/model.json', report: '/o/report.json' },
      settings: {},
      epochs: [],
      layers: [],
      before: METRICS,
      after: { ...METRICS, asr: 0.1 },
      warnings: [],
      timings: {},
      method: { id: 'fp', needs: 'labeled' },
      selection: { epoch: 3, rule: 'highest agreement' },
      reactivation: { steps: [0, 5, 10], attackedAsr: [0.9, 1, 1], cleansedAsr: [0.1, 0.2, 0.3], images: 64 },
    };
    let state = apply(initialPanelState(), notification('job/started', { jobId: 'd1', spec: SPEC, queued: false }));
    state = apply(state, notification('job/event', { jobId: 'd1', event: { type: 'report', path: '/o/report.json', report } }));
    assert.deepEqual(state.job?.findings, { dataQuality: null, suspect: null, transferWatch: null, reactivation: report.reactivation, selection: report.selection, method: report.method });
    const stored = jobViewFromReport('/o/report.json', report, 5);
    assert.equal(stored.kind, 'defend');
    assert.equal(stored.method, 'fp');
    assert.deepEqual(stored.findings, state.job?.findings);
    assert.equal(jobViewFromReport('/o/report.json', { ...report, kind: 'cleanse', method: null, selection: null, reactivation: null }, 5).findings, null);
  });
});
