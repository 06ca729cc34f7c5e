/**
 * Jobs through the real extension host with a fake worker (test/fixtures/fakeWorker.ts): the
 * commands, the queue, cancel leaving no output, a killed worker reported while the editor keeps
 * working, inspect and evaluate results.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { BackdoorCleanseApi } from '../../src/extension/extension';
import type { JobEnd, RunningJob } from '../../src/extension/services';
import { FAKE_WORKER, activateExtension, codeLensTitles, scratchFolder, stagingLeftovers, waitFor } from './helpers';

describe('jobs with a fake worker', function () {
  this.timeout(60000);
  let api: BackdoorCleanseApi;
  let dir: string;
  let modelPath: string;

  function useFakeWorker(mode: string): void {
    api.testing.setWorker({ script: FAKE_WORKER, env: { FAKE_WORKER_MODE: mode } });
  }

  const nextStart = () => new Promise<RunningJob>((resolve) => {
    const sub = api.services.runner.onDidStart((job) => {
      sub.dispose();
      resolve(job);
    });
  });
  const endOf = (job: RunningJob) => new Promise<JobEnd>((resolve) => {
    const sub = api.services.runner.onDidEnd((end) => {
      if (end.job !== job) return;
      sub.dispose();
      resolve(end);
    });
  });
  const workerPid = (job: RunningJob) => new Promise<number>((resolve) => {
    job.onEvent((event) => {
      const match = event.type === 'log' ? /fake worker pid (\d+)/.exec(event.message) : null;
      if (match) resolve(Number(match[1]));
    });
  });

  before(async () => {
    api = await activateExtension();
    dir = scratchFolder('jobs');
    modelPath = path.join(dir, 'suspect', 'model.json');
    fs.mkdirSync(path.dirname(modelPath), { recursive: true });
    fs.writeFileSync(modelPath, '{"modelTopology":{},"weightsManifest":[]}');
    fs.mkdirSync(path.join(dir, 'images'));
  });

  afterEach(() => {
    for (const job of [...api.services.runner.queued, api.services.runner.current]) job?.cancel();
    api.testing.setWorker(undefined);
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('cleanses through the command: output beside the model, report indexed, CodeLens shown', async () => {
    useFakeWorker('success');
    const result = await vscode.commands.executeCommand<{ model: string; report: string }>('backdoorCleanse.cleanseModel', vscode.Uri.file(modelPath), { data: path.join(dir, 'images') });
    assert.ok(result, 'the command resolves with the result');
    const out = path.join(dir, 'suspect-cleansed');
    assert.equal(result.report, path.join(out, 'report.json'));
    assert.ok(fs.existsSync(path.join(out, 'model.json')));
    assert.equal(api.services.reports.latestFor(modelPath)?.path, path.join(out, 'report.json'));
    const titles = await waitFor('the CodeLens', async () => (await codeLensTitles(vscode.Uri.file(modelPath))).find((t) => t.startsWith('Backdoor Cleanse:')));
    assert.equal(titles, 'Backdoor Cleanse: cleansed (no figures)');
  });

  it('writes the next cleanse to a new folder instead of replacing the first', async () => {
    useFakeWorker('success');
    const result = await vscode.commands.executeCommand<{ report: string }>('backdoorCleanse.cleanseModel', vscode.Uri.file(modelPath), { data: path.join(dir, 'images') });
    assert.equal(result?.report, path.join(dir, 'suspect-cleansed-2', 'report.json'));
  });

  it('cancels a running job from the command, within seconds, leaving no output', async () => {
    useFakeWorker('stubborn'); // ignores job/cancel: the host must kill it after the grace period
    const out = path.join(dir, 'cancelled-out');
    const started = nextStart();
    const command = vscode.commands.executeCommand('backdoorCleanse.cleanseModel', vscode.Uri.file(modelPath), { data: path.join(dir, 'images'), out });
    const job = await started;
    await waitFor('staged output', () => stagingLeftovers(dir).length > 0);
    const ended = endOf(job);
    const t0 = Date.now();
    assert.equal(await vscode.commands.executeCommand('backdoorCleanse.cancelJob'), job.id);
    const end = await ended;
    assert.equal(end.error?.kind, 'cancelled');
    assert.ok(Date.now() - t0 < 6000, `stopped within seconds (${Date.now() - t0} ms)`);
    assert.equal(await command, undefined);
    assert.equal(fs.existsSync(out), false, 'no output folder');
    assert.deepEqual(stagingLeftovers(dir), [], 'no staging folder');
  });

  it('reports a killed worker, and the editor and the next job keep working', async () => {
    useFakeWorker('slow');
    const started = nextStart();
    void vscode.commands.executeCommand('backdoorCleanse.cleanseModel', vscode.Uri.file(modelPath), { data: path.join(dir, 'images'), out: path.join(dir, 'killed-out') });
    const job = await started;
    const pid = await workerPid(job);
    const ended = endOf(job);
    process.kill(pid, 'SIGKILL');
    const end = await ended;
    assert.equal(end.ok, false);
    assert.equal(end.error?.kind, 'internal');
    assert.match(end.error?.message ?? '', /stopped unexpectedly \(killed by SIGKILL\)/);
    assert.equal(api.services.runner.current, undefined);
    assert.deepEqual(stagingLeftovers(dir), []);

    const doc = await vscode.workspace.openTextDocument({ content: 'still ', language: 'plaintext' });
    const editor = await vscode.window.showTextDocument(doc);
    assert.ok(await editor.edit((e) => e.insert(doc.positionAt(doc.getText().length), 'working')));
    assert.equal(doc.getText(), 'still working');

    useFakeWorker('success');
    const next = await vscode.commands.executeCommand('backdoorCleanse.cleanseModel', vscode.Uri.file(modelPath), { data: path.join(dir, 'images'), out: path.join(dir, 'after-crash') });
    assert.ok(next, 'a fresh worker runs the next job');
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
  });

  it('reports a WASM abort of the worker as out of memory', async () => {
    useFakeWorker('oom');
    const started = nextStart();
    void vscode.commands.executeCommand('backdoorCleanse.inspectModel', vscode.Uri.file(modelPath));
    const end = await endOf(await started);
    assert.equal(end.error?.kind, 'out-of-memory');
  });

  it('queues a second job while one runs, visibly, and starts it after', async () => {
    useFakeWorker('slow');
    const runner = api.services.runner;
    const first = runner.start({ kind: 'inspect', params: { model: modelPath } });
    const second = runner.start({ kind: 'inspect', params: { model: modelPath } });
    assert.equal(runner.current, first);
    assert.deepEqual(runner.queued, [second]);
    await waitFor('the status bar', () => api.testing.statusBar.text.includes('(+1 queued)'));
    const secondStarted = new Promise<RunningJob>((resolve) => runner.onDidStart((job) => job === second && resolve(job)));
    first.cancel();
    assert.equal(await secondStarted, second);
    second.cancel();
    await assert.rejects(second.result, { kind: 'cancelled' });
  });

  it('inspects a model into a new markdown document', async () => {
    useFakeWorker('success');
    const doc = await vscode.commands.executeCommand<vscode.TextDocument>('backdoorCleanse.inspectModel', vscode.Uri.file(modelPath));
    assert.ok(doc);
    assert.equal(doc.languageId, 'markdown');
    assert.equal(doc.isUntitled, true);
    assert.match(doc.getText(), /\| 0 \| `dense_1` \| Dense \| 100 \| \[\?, 2\] \| classifier \| 0\.050 \|/);
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
  });

  it('evaluates a model, records the figures in extension storage and shows them in the CodeLens', async () => {
    useFakeWorker('success');
    const evalModel = path.join(dir, 'evaluated', 'model.json');
    fs.mkdirSync(path.dirname(evalModel), { recursive: true });
    fs.writeFileSync(evalModel, '{}');
    const result = await vscode.commands.executeCommand<{ asr: number }>('backdoorCleanse.evaluateModel', vscode.Uri.file(evalModel), { data: path.join(dir, 'images'), trigger: undefined });
    assert.equal(result?.asr, 0.97);
    const record = api.services.reports.latestOfKind(evalModel, 'evaluate');
    assert.ok(record, 'the evaluation is recorded');
    assert.ok(!record.path.startsWith(dir), 'outside the user’s folders');
    assert.equal(record.report.before?.asr, 0.97);
    const titles = await codeLensTitles(vscode.Uri.file(evalModel));
    assert.equal(titles[0], 'Backdoor Cleanse: evaluated: ACC 90.0 %, ASR 97.0 %, RA 2.0 %');
  });

  it('opens the last report', async () => {
    const editor = await vscode.commands.executeCommand<vscode.TextEditor>('backdoorCleanse.openReport');
    assert.ok(editor);
    assert.equal(path.basename(editor.document.uri.fsPath), 'report.json');
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
  });

  it('"Try on a Demo Model" makes the demo in a new folder and opens the panel', async () => {
    useFakeWorker('success');
    const folder = path.join(dir, 'demo');
    const result = await vscode.commands.executeCommand<{ model: string; data: string } | undefined>('backdoorCleanse.tryDemo', { folder });
    assert.equal(result?.model, path.join(folder, 'backdoored', 'model.json'));
    assert.equal(result?.data, path.join(folder, 'unlabeled'));
    // The tab list follows the panel's creation a moment later.
    const tabs = () => vscode.window.tabGroups.all.flatMap((group) => group.tabs.map((tab) => tab.label));
    await waitFor(`a "Backdoor Cleanse" tab (tabs: ${tabs().join(', ')})`, () => tabs().includes('Backdoor Cleanse'), 10000);
  });
});
