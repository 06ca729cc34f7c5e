/** The panel controller's pure parts: HTML and CSP, pick dialogs, the job catch-up record. */
import * as assert from 'node:assert/strict';
import { Emitter } from '../../../../src/extension/emitter';
import { JobHistory, record } from '../../../../src/extension/panel/jobHistory';
import type { JobEnd, JobRunnerApi, RunningJob } from '../../../../src/extension/services';
import { contentSecurityPolicy, makeNonce, panelHtml } from '../../../../src/extension/panel/panelHtml';
import { PICK_DIALOGS } from '../../../../src/extension/panel/pickDialogs';
import type { EngineEvent } from '../../../../src/shared/protocol';

describe('panel html', () => {
  const html = panelHtml({ cspSource: 'https://res.test', nonce: 'N0nce', scriptUri: 'https://res.test/dist/webview.js', styleUri: 'https://res.test/media/panel.css' });

  it('has a strict CSP: nothing by default, the script by nonce, no inline styles', () => {
    const csp = contentSecurityPolicy('https://res.test', 'N0nce');
    assert.match(csp, /default-src 'none'/);
    assert.match(csp, /script-src 'nonce-N0nce'/);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|\*|https:(?!\/\/res\.test)/);
    assert.match(csp, /(^|; )img-src data:(;|$)/, 'images only inline (the recovered trigger), nothing from disk');
    assert.ok(html.includes(`content="${csp.replace(/'/g, "'")}"`));
  });

  it('loads only the bundle (with the nonce) and the stylesheet', () => {
    assert.match(html, /<script nonce="N0nce" src="https:\/\/res\.test\/dist\/webview\.js"><\/script>/);
    assert.match(html, /<link rel="stylesheet" href="https:\/\/res\.test\/media\/panel\.css">/);
    assert.equal((html.match(/<script/g) ?? []).length, 1);
    assert.doesNotMatch(html, /style=/);
  });

  it('makes 32-character alphanumeric nonces', () => {
    const nonce = makeNonce((n) => Uint8Array.from({ length: n }, (_, i) => i * 37));
    assert.match(nonce, /^[A-Za-z0-9]{32}$/);
  });
});

describe('panel pick dialogs', () => {
  it('lets data be a folder or an IDX file, and models only .json files', () => {
    assert.equal(PICK_DIALOGS.data.canSelectFolders && PICK_DIALOGS.data.canSelectFiles, true);
    assert.deepEqual(PICK_DIALOGS.model.filters, { 'TF.js or ONNX model': ['json', 'onnx'] });
    assert.equal(PICK_DIALOGS.model.canSelectFolders, false);
  });
});

describe('panel job history', () => {
  it('keeps every non-progress event and only the latest progress', () => {
    const events: EngineEvent[] = [];
    const progress = (step: number): EngineEvent => ({ type: 'progress', phase: 'distill', epoch: 1, epochs: 1, step, steps: 9, imagesPerSecond: 1, etaSeconds: 1 });
    record(events, progress(1));
    record(events, { type: 'backend', backend: { name: 'cpu', threads: 1, reason: 'r' } });
    record(events, progress(2));
    record(events, { type: 'epoch', record: { epoch: 1, temperature: 1, lr: 0.01, loss: 1, agreement: 1, topClassShare: 0.1, seconds: 1, imagesPerSecond: 1 } });
    record(events, progress(3));
    assert.deepEqual(events.map((e) => e.type), ['backend', 'epoch', 'progress']);
    assert.equal((events[2] as Extract<EngineEvent, { type: 'progress' }>).step, 3);
    for (let i = 0; i < 60; i++) record(events, { type: 'log', level: 'info', message: String(i) });
    assert.equal(events.filter((e) => e.type === 'log').length, 50);
  });
});

describe('panel job history on a runner', () => {
  function fakeJob(id: string, kind: 'cleanse' | 'inspect' | 'defend'): RunningJob & { events: Emitter<EngineEvent> } {
    const events = new Emitter<EngineEvent>();
    const spec =
      kind === 'cleanse' ? { kind, params: { model: 'm', data: 'd', out: 'o' } } : kind === 'defend' ? { kind, params: { method: 'clp', model: 'm', out: 'o' } } : { kind, params: { model: 'm' } };
    return { id, spec, events, onEvent: events.event, result: new Promise(() => undefined), cancel: () => undefined } as RunningJob & { events: Emitter<EngineEvent> };
  }

  it('records running cleanse and defend jobs only, and forgets them when they end', () => {
    const started = new Emitter<RunningJob>();
    const ended = new Emitter<JobEnd>();
    const runner = { current: undefined, queued: [], onDidStart: started.event, onDidEnd: ended.event, onDidChangeQueue: new Emitter<void>().event, start: () => undefined as never } as JobRunnerApi;
    const history = new JobHistory(runner);
    const cleanse = fakeJob('c1', 'cleanse');
    const inspect = fakeJob('i1', 'inspect');
    const defend = fakeJob('d1', 'defend');
    started.fire(cleanse);
    started.fire(inspect);
    started.fire(defend);
    defend.events.fire({ type: 'log', level: 'info', message: 'pruned 3 channels' });
    assert.deepEqual(history.historyOf('d1'), [{ type: 'log', level: 'info', message: 'pruned 3 channels' }]);
    cleanse.events.fire({ type: 'log', level: 'warn', message: 'w' });
    inspect.events.fire({ type: 'log', level: 'info', message: 'i' });
    assert.deepEqual(history.historyOf('c1'), [{ type: 'log', level: 'warn', message: 'w' }]);
    assert.deepEqual(history.historyOf('i1'), []);
    ended.fire({ job: cleanse, ok: true });
    assert.deepEqual(history.historyOf('c1'), []);
    history.dispose();
  });
});
