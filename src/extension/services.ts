/**
 * What the extension's parts share: the job runner, the settings, the output channel and the
 * report store. The panel (src/extension/panel/**) is written against exactly these names.
 * Type-only `vscode` imports keep this file (and the runner) loadable in plain mocha.
 */
import type * as vscode from 'vscode';
import type { Failure } from '../shared/failure';
import type { EngineEvent, JobResult, JobSpec } from '../shared/protocol';
import type { RunRecord, RunKind } from '../shared/report';
import type { ExtensionConfig } from './config';

/** One job, from the moment it is accepted (maybe queued) until it ends. */
export interface RunningJob {
  readonly id: string;
  readonly spec: JobSpec;
  /** Engine events (progress, epochs, metrics, layers, report) as the worker streams them. */
  readonly onEvent: vscode.Event<EngineEvent>;
  /** Resolves with the result; rejects with a {@link JobFailure} (kind 'cancelled' when cancelled). */
  readonly result: Promise<JobResult>;
  /** Queued: dropped at once. Running: job/cancel, then the worker is killed after a grace period. */
  cancel(): void;
}

export interface JobEnd {
  job: RunningJob;
  ok: boolean;
  error?: Failure;
}

/** One job at a time; further jobs wait in a visible queue. */
export interface JobRunnerApi {
  /** The job the worker runs now (undefined while idle). */
  readonly current: RunningJob | undefined;
  /** Jobs accepted but not started yet, oldest first. */
  readonly queued: readonly RunningJob[];
  /** A job left the queue and its worker started. */
  readonly onDidStart: vscode.Event<RunningJob>;
  /** A job ended: done, failed, crashed or cancelled (also for queued jobs cancelled before start). */
  readonly onDidEnd: vscode.Event<JobEnd>;
  /** The queue changed (a job was added, started or dropped). */
  readonly onDidChangeQueue: vscode.Event<void>;
  /** Accepts a job: it starts now when idle, else after the jobs before it. Never throws. */
  start(spec: JobSpec): RunningJob;
}

/** A report.json record the extension knows about, with the file it came from. */
export interface ReportRecord {
  /** Absolute path of the report.json file. */
  readonly path: string;
  readonly report: RunRecord;
}

/** report.json records found in the workspace (and written by this extension), kept current. */
export interface ReportStore {
  /** The newest record (any kind) whose `inputs.model` is this model.json path. */
  latestFor(modelPath: string): ReportRecord | undefined;
  /** The newest record of a kind ('cleanse' | 'evaluate') for this model path. */
  latestOfKind(modelPath: string, kind: RunKind): ReportRecord | undefined;
  /** The newest cleanse record whose `outputs.model` is this path (the model is a cleansed copy). */
  producerOf(modelPath: string): ReportRecord | undefined;
  /** The newest record of all, e.g. for "Open last report". */
  latest(): ReportRecord | undefined;
  all(): readonly ReportRecord[];
  /** Fires after records were added, changed or removed. */
  readonly onDidChange: vscode.Event<void>;
  /** Reads (or re-reads) one report.json now, e.g. right after a job wrote it. */
  add(reportPath: string): Promise<ReportRecord | undefined>;
}

export interface Services {
  context: vscode.ExtensionContext;
  runner: JobRunnerApi;
  /** The current settings (read on each call, so changes apply to the next job). */
  config(): ExtensionConfig;
  /** The "Backdoor Cleanse" output channel; the worker's stderr goes here too. */
  output: vscode.OutputChannel;
  reports: ReportStore;
}
