/**
 * The job runner against a fake worker (test/fixtures/fakeWorker.ts) that speaks the real protocol:
 * success, failure, crash, out-of-memory, cancel (cooperative and killed), queue, refusal.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { CleanseParams, EngineEvent, JobSpec } from '../../../src/shared/protocol';
import { JobFailure } from '../../../src/extension/jobFailure';
import { JobRunner, type JobRunnerOptions } from '../../../src/extension/jobRunner';
import { classifyWorkerExit } from '../../../src/extension/workerCrash';
import type { JobEnd, RunningJob } from '../../../src/extension/services';
import { compiled } from '../../fixtures/repoPaths';

const FAKE_WORKER = compiled('test/fixtures/fakeWorker.ts');

describe('JobRunner with a fake worker', function () {
  this.timeout(20000);
  let scratch: string;
  let runner: JobRunner;
  let log: string;

  function makeRunner(options: Partial<JobRunnerOptions> = {}, env: Record<string, string> = {}): JobRunner {
    log = '';
    return new JobRunner({ launch: () => ({ script: FAKE_WORKER, env }), log: (text) => (log += text), cancelGraceMs: 400, ...options });
  }

  function cleanseSpec(mode: string, name = 'out'): JobSpec {
    return { kind: 'cleanse', params: { model: path.join(scratch, 'model.json'), data: scratch, out: path.join(scratch, name), fakeMode: mode } as CleanseParams };
  }

  async function failureOf(job: RunningJob): Promise<JobFailure> {
    try {
      await job.result;
    } catch (error) {
      assert.ok(error instanceof JobFailure, `expected a JobFailure, got ${String(error)}`);
      return error;
    }
    assert.fail('the job should have failed');
  }

  const firstProgress = (job: RunningJob) =>
    new Promise<void>((resolve) => job.onEvent((event) => event.type === 'progress' && resolve()));

  /** Everything in the scratch folder except the model, to prove nothing partial was left. */
  const leftovers = () => fs.readdirSync(scratch).filter((name) => name !== 'model.json');

  beforeEach(() => {
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'bc-runner-'));
    fs.writeFileSync(path.join(scratch, 'model.json'), '{}');
  });
  afterEach(() => {
    runner?.dispose();
    fs.rmSync(scratch, { recursive: true, force: true });
  });

  it('runs a cleanse: start event, progress events, result, the output folder and an ok end', async () => {
    runner = makeRunner();
    const started: RunningJob[] = [];
    const ends: JobEnd[] = [];
    runner.onDidStart((job) => started.push(job));
    runner.onDidEnd((end) => ends.push(end));
    const job = runner.start(cleanseSpec('success'));
    const events: EngineEvent[] = [];
    job.onEvent((event) => events.push(event));
    assert.equal(runner.current, job);
    assert.deepEqual(started, [job]);

    const result = await job.result;
    assert.equal(result.type, 'result');
    assert.ok('report' in result && result.report?.endsWith(path.join('out', 'report.json')));
    assert.deepEqual(events.map((e) => e.type), ['log', 'backend', 'progress', 'progress', 'progress']);
    assert.ok(fs.existsSync(path.join(scratch, 'out', 'report.json')));
    assert.deepEqual(leftovers(), ['out']);
    assert.equal(ends.length, 1);
    assert.equal(ends[0].ok, true);
    assert.equal(runner.current, undefined);
  });

  it('passes a job/failed answer on with its kind, message and file', async () => {
    runner = makeRunner();
    const ends: JobEnd[] = [];
    runner.onDidEnd((end) => ends.push(end));
    const failure = await failureOf(runner.start(cleanseSpec('failure')));
    assert.equal(failure.kind, 'input');
    assert.equal(failure.message, 'fake input error');
    assert.equal(failure.file, '/nowhere/model.json');
    assert.deepEqual(ends[0].error, { kind: 'input', message: 'fake input error', file: '/nowhere/model.json' });
  });

  it('reports a worker that crashed with its exit code and last stderr line', async () => {
    runner = makeRunner();
    const failure = await failureOf(runner.start(cleanseSpec('crash')));
    assert.equal(failure.kind, 'internal');
    assert.match(failure.message, /exit code 3/);
    assert.match(failure.message, /something broke/);
    assert.match(log, /fake worker: something broke/, 'stderr reaches the log');
    assert.deepEqual(leftovers(), []);
  });

  it("reports a WASM abort on stderr as 'out-of-memory'", async () => {
    runner = makeRunner();
    const failure = await failureOf(runner.start(cleanseSpec('oom')));
    assert.equal(failure.kind, 'out-of-memory');
    assert.match(failure.message, /smaller batch/);
  });

  it('cancels a running job through job/cancel and leaves no partial output', async () => {
    runner = makeRunner();
    const job = runner.start(cleanseSpec('slow'));
    await firstProgress(job);
    assert.equal(leftovers().length, 1, 'the fake stages its output while it runs');
    const t0 = Date.now();
    job.cancel();
    const failure = await failureOf(job);
    assert.equal(failure.kind, 'cancelled');
    assert.ok(Date.now() - t0 < 2000, 'stops promptly');
    assert.deepEqual(leftovers(), []);
  });

  it('kills a worker that ignores job/cancel after the grace period and removes its staging folder', async () => {
    runner = makeRunner();
    const job = runner.start(cleanseSpec('stubborn'));
    await firstProgress(job);
    const t0 = Date.now();
    job.cancel();
    const failure = await failureOf(job);
    const elapsed = Date.now() - t0;
    assert.equal(failure.kind, 'cancelled');
    assert.ok(elapsed >= 350 && elapsed < 3000, `killed after the 400 ms grace, took ${elapsed} ms`);
    assert.deepEqual(leftovers(), []);
    assert.match(log, /removed the partial output/);
  });

  it('queues a second job until the first ends, and drops a cancelled queued job without starting it', async () => {
    runner = makeRunner();
    const started: string[] = [];
    runner.onDidStart((job) => started.push(job.id));
    let queueChanges = 0;
    runner.onDidChangeQueue(() => queueChanges++);
    const first = runner.start(cleanseSpec('slow', 'first'));
    const second = runner.start(cleanseSpec('success', 'second'));
    const third = runner.start(cleanseSpec('success', 'third'));
    assert.equal(runner.current, first);
    assert.deepEqual(runner.queued.map((j) => j.id), [second.id, third.id]);

    third.cancel();
    assert.equal((await failureOf(third)).kind, 'cancelled');
    assert.deepEqual(runner.queued.map((j) => j.id), [second.id]);
    first.cancel();
    await failureOf(first);
    await second.result;
    assert.deepEqual(started, [first.id, second.id]);
    assert.ok(queueChanges >= 4);
    assert.deepEqual(leftovers(), ['second']);
  });

  it('ends a job cancelled before its worker was ready at once, without running it', async () => {
    runner = makeRunner({ cancelGraceMs: 10000 });
    const job = runner.start(cleanseSpec('slow'));
    job.cancel();
    const t0 = Date.now();
    const failure = await failureOf(job);
    assert.equal(failure.kind, 'cancelled');
    assert.ok(Date.now() - t0 < 3000, 'does not wait for the grace period');
    assert.deepEqual(leftovers(), []);
    assert.doesNotMatch(log, /fake worker pid/);
  });

  it('refuses jobs (with the reason) while refusal() says so, without starting a worker', async () => {
    runner = makeRunner({ refusal: () => 'This workspace is not trusted.' });
    let starts = 0;
    runner.onDidStart(() => starts++);
    const ends: JobEnd[] = [];
    runner.onDidEnd((end) => ends.push(end));
    const failure = await failureOf(runner.start(cleanseSpec('success')));
    assert.equal(failure.kind, 'input');
    assert.equal(failure.message, 'This workspace is not trusted.');
    assert.equal(starts, 0);
    assert.equal(ends.length, 1);
    assert.deepEqual(leftovers(), []);
  });

  it('refuses a worker that speaks another protocol version', async () => {
    runner = makeRunner({}, { FAKE_WORKER_MODE: 'protocol' });
    const failure = await failureOf(runner.start(cleanseSpec('success')));
    assert.equal(failure.kind, 'internal');
    assert.match(failure.message, /protocol 101, the extension 1/);
  });

  it('runs the worker with the Node binary named by nodePath, and says so when it is missing', async () => {
    runner = new JobRunner({ launch: () => ({ script: FAKE_WORKER, nodePath: process.execPath }), log: () => undefined });
    await runner.start({ kind: 'inspect', params: { model: path.join(scratch, 'model.json') } }).result;
    runner.dispose();

    runner = new JobRunner({ launch: () => ({ script: FAKE_WORKER, nodePath: '/no/such/node' }), log: () => undefined });
    const failure = await failureOf(runner.start({ kind: 'inspect', params: { model: path.join(scratch, 'model.json') } }));
    assert.equal(failure.kind, 'input');
    assert.match(failure.message, /\/no\/such\/node \(setting backdoorCleanse\.nodePath\)/);
  });

  it('says so when the worker bundle is missing, without starting a process', async () => {
    runner = new JobRunner({ launch: () => ({ script: path.join(scratch, 'dist', 'worker.js') }), log: () => undefined });
    const failure = await failureOf(runner.start({ kind: 'inspect', params: { model: path.join(scratch, 'model.json') } }));
    assert.equal(failure.kind, 'internal');
    assert.match(failure.message, /worker bundle .*worker\.js is missing: build the extension/);
  });
});

describe('worker crash messages', () => {
  it("quote the error line, not Node's closing version line or the stack", () => {
    const stderr = 'node:internal/modules/cjs/loader:1228\n  throw err;\n  ^\n\nError: Cannot find module \'/x/dist/engine.js\'\n    at Module._resolveFilename (node:internal)\n\nNode.js v20.20.2\n';
    const { kind, message } = classifyWorkerExit({ code: 1, signal: null }, stderr);
    assert.equal(kind, 'internal');
    assert.equal(message, "The worker stopped unexpectedly (exit code 1). Last output: Error: Cannot find module '/x/dist/engine.js'");
  });

  it('recognise out-of-memory deaths of V8 and WASM', () => {
    assert.equal(classifyWorkerExit({ code: null, signal: 'SIGABRT' }, 'FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory').kind, 'out-of-memory');
    assert.equal(classifyWorkerExit({ code: 7, signal: null }, 'RuntimeError: Aborted(). Build with -sASSERTIONS').kind, 'out-of-memory');
    assert.match(classifyWorkerExit({ code: null, signal: 'SIGKILL' }, '').message, /killed by SIGKILL\)\. If memory was short/);
  });
});
