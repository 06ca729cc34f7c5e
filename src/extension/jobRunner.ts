/**
 * Runs engine jobs one at a time, each in a fresh worker process (a WASM heap that ran out of
 * memory cannot be reused, and a fresh process returns all memory to the system). Further jobs wait
 * in a queue. No `vscode` at run time: the host wires notifications and the status bar to its events.
 */
import * as fs from 'node:fs';
import type * as vscode from 'vscode';
import type { Failure } from '../shared/failure';
import { PROTOCOL_VERSION, type EngineEvent, type JobResult, type JobSpec, type WorkerToHost } from '../shared/protocol';
import { Emitter } from './emitter';
import { JobFailure } from './jobFailure';
import type { JobEnd, JobRunnerApi, RunningJob } from './services';
import { removeStagingLeftovers } from './stagingLeftovers';
import { classifyWorkerExit } from './workerCrash';
import { WorkerProcess, type WorkerLaunch } from './workerProcess';

export interface JobRunnerOptions {
  /** How to start a worker; read per job so changed settings (nodePath) apply to the next one. */
  launch(): WorkerLaunch;
  /** Where the worker's stdout/stderr and the runner's own notes go (the output channel). */
  log(text: string): void;
  /** Why jobs may not run now (e.g. an untrusted workspace), or undefined when they may. */
  refusal?(): string | undefined;
  /** After job/cancel, how long the worker may take to stop before it is killed. */
  cancelGraceMs?: number;
  /** How long a worker may take to load (tfjs included) before it counts as hung. */
  readyTimeoutMs?: number;
}

type JobState = 'queued' | 'running' | 'ended';

class Job implements RunningJob {
  readonly events = new Emitter<EngineEvent>();
  readonly onEvent = this.events.event;
  readonly result: Promise<JobResult>;
  state: JobState = 'queued';
  cancelRequested = false;
  /** job/start went to the worker (before that, a cancel needs no message). */
  startSent = false;
  worker: WorkerProcess | undefined;
  settle!: { resolve(result: JobResult): void; reject(error: JobFailure): void };

  constructor(readonly id: string, readonly spec: JobSpec, private readonly requestCancel: (job: Job) => void) {
    this.result = new Promise<JobResult>((resolve, reject) => (this.settle = { resolve, reject }));
    this.result.catch(() => undefined); // the failure is also announced by onDidEnd; nobody must await it
  }

  cancel(): void {
    this.requestCancel(this);
  }
}

let jobCounter = 0;

export class JobRunner implements JobRunnerApi {
  private readonly startEmitter = new Emitter<RunningJob>();
  private readonly endEmitter = new Emitter<JobEnd>();
  private readonly queueEmitter = new Emitter<void>();
  private running: Job | undefined;
  private readonly waiting: Job[] = [];
  private disposed = false;

  readonly onDidStart: vscode.Event<RunningJob> = this.startEmitter.event;
  readonly onDidEnd: vscode.Event<JobEnd> = this.endEmitter.event;
  readonly onDidChangeQueue: vscode.Event<void> = this.queueEmitter.event;

  constructor(private readonly options: JobRunnerOptions) {}

  get current(): RunningJob | undefined {
    return this.running;
  }

  get queued(): readonly RunningJob[] {
    return [...this.waiting];
  }

  start(spec: JobSpec): RunningJob {
    const job = new Job(`job-${++jobCounter}-${Date.now().toString(36)}`, spec, (j) => this.cancel(j));
    const refusal = this.disposed ? 'Backdoor Cleanse is shutting down.' : this.options.refusal?.();
    if (refusal) {
      this.finish(job, { ok: false, kind: 'input', message: refusal });
      return job;
    }
    this.waiting.push(job);
    this.queueEmitter.fire();
    this.pump();
    return job;
  }

  /** Cancels everything and kills the worker (extension deactivation). */
  dispose(): void {
    this.disposed = true;
    for (const job of this.waiting.splice(0)) this.finish(job, { ok: false, kind: 'cancelled', message: 'Cancelled: the extension is shutting down.' });
    const job = this.running;
    if (job) {
      job.worker?.kill();
      this.finish(job, { ok: false, kind: 'cancelled', message: 'Cancelled: the extension is shutting down.' });
    }
    this.startEmitter.dispose();
    this.endEmitter.dispose();
    this.queueEmitter.dispose();
  }

  private pump(): void {
    if (this.running || this.disposed) return;
    const job = this.waiting.shift();
    if (!job) return;
    this.running = job;
    job.state = 'running';
    this.queueEmitter.fire();
    this.startEmitter.fire(job);
    this.launch(job);
  }

  private launch(job: Job): void {
    const launch = this.options.launch();
    const log = this.options.log;
    if (!fs.existsSync(launch.script)) {
      return this.finish(job, { ok: false, kind: 'internal', message: `The worker bundle ${launch.script} is missing: build the extension (npm run build).` });
    }
    log(`[${new Date().toISOString()}] ${job.id}: ${job.spec.kind} ${JSON.stringify(job.spec.params)}\n`);
    const worker = new WorkerProcess(launch, log);
    job.worker = worker;

    const readyTimer = setTimeout(() => {
      log(`${job.id}: the worker did not start within ${this.readyTimeoutMs / 1000} s; stopping it\n`);
      worker.kill();
    }, this.readyTimeoutMs);
    worker.onExit(() => clearTimeout(readyTimer));

    worker.onMessage((message) => this.onWorkerMessage(job, message));
    worker.onExit(async (exit) => {
      if (job.state === 'ended') return;
      // Before the job counts as ended, so that whoever waits for the end finds no partial output.
      await this.removeLeftovers(job, worker);
      if (job.cancelRequested) {
        this.finish(job, { ok: false, kind: 'cancelled', message: 'Cancelled.' });
      } else {
        const failure = classifyWorkerExit(exit, worker.stderr, launch.nodePath);
        log(`${job.id}: ${failure.message}\n`);
        this.finish(job, { ok: false, ...failure });
      }
    });
    worker.ready.then(
      (pid) => {
        clearTimeout(readyTimer);
        log(`${job.id}: worker ${pid} ready\n`);
        if (job.state !== 'running') return;
        if (job.cancelRequested) return this.finish(job, { ok: false, kind: 'cancelled', message: 'Cancelled before it started.' });
        job.startSent = true;
        worker.send({ method: 'job/start', protocol: PROTOCOL_VERSION, jobId: job.id, job: job.spec });
      },
      (error: Error) => {
        if (job.state !== 'running' || worker.exited) return; // the exit handler reports it
        log(`${job.id}: ${error.message}\n`);
        worker.kill();
        this.finish(job, { ok: false, kind: 'internal', message: error.message });
      },
    );
  }

  private onWorkerMessage(job: Job, message: WorkerToHost): void {
    if (message.method === 'worker/ready' || message.jobId !== job.id || job.state !== 'running') return;
    switch (message.method) {
      case 'job/event':
        job.events.fire(message.event);
        break;
      case 'job/done':
        this.finish(job, { ok: true, result: message.result });
        break;
      case 'job/failed': {
        const { kind, message: text, file, stack } = message.error;
        if (stack && kind === 'internal') this.options.log(`${job.id}: ${stack}\n`);
        // A job that fails while a cancel is pending was cancelled, whatever the engine called it.
        this.finish(job, job.cancelRequested ? { ok: false, kind: 'cancelled', message: 'Cancelled.' } : { ok: false, kind, message: text, file });
        break;
      }
    }
  }

  private cancel(job: Job): void {
    if (job.state === 'ended') return;
    if (job.state === 'queued') {
      const index = this.waiting.indexOf(job);
      if (index >= 0) this.waiting.splice(index, 1);
      this.queueEmitter.fire();
      this.finish(job, { ok: false, kind: 'cancelled', message: 'Cancelled before it started.' });
      return;
    }
    const worker = job.worker;
    const alreadyRequested = job.cancelRequested;
    job.cancelRequested = true;
    if (!worker || alreadyRequested) return;
    this.options.log(`${job.id}: cancel requested\n`);
    // Before job/start the worker has nothing to cancel: the ready handler ends the job instead.
    if (job.startSent) worker.send({ method: 'job/cancel', jobId: job.id });
    const grace = setTimeout(() => {
      if (job.state === 'ended') return;
      this.options.log(`${job.id}: the worker did not stop within ${this.cancelGraceMs} ms; killing it\n`);
      worker.kill();
    }, this.cancelGraceMs);
    worker.onExit(() => clearTimeout(grace));
  }

  private finish(job: Job, outcome: { ok: true; result: JobResult } | ({ ok: false } & Failure)): void {
    if (job.state === 'ended') return;
    job.state = 'ended';
    if (this.running === job) this.running = undefined;
    job.worker?.close();
    if (outcome.ok) {
      job.settle.resolve(outcome.result);
      this.endEmitter.fire({ job, ok: true });
    } else {
      job.settle.reject(new JobFailure(outcome.kind, outcome.message, outcome.file));
      this.endEmitter.fire({ job, ok: false, error: { kind: outcome.kind, message: outcome.message, ...(outcome.file ? { file: outcome.file } : {}) } });
    }
    job.events.dispose();
    this.pump();
  }

  private async removeLeftovers(job: Job, worker: WorkerProcess): Promise<void> {
    const pid = worker.pid;
    // Cleanse and defend jobs write their output folder through a staging folder.
    if ((job.spec.kind !== 'cleanse' && job.spec.kind !== 'defend') || pid === undefined) return;
    const removed = await removeStagingLeftovers(job.spec.params.out, pid).catch(() => []);
    for (const folder of removed) this.options.log(`${job.id}: removed the partial output ${folder}\n`);
  }

  private get cancelGraceMs(): number {
    return this.options.cancelGraceMs ?? 3000;
  }

  private get readyTimeoutMs(): number {
    return this.options.readyTimeoutMs ?? 60_000;
  }
}
