/**
 * Remembers what the running cleanse (or defense) has said so far, so a panel opened (or reloaded) mid-run can
 * catch up: every non-progress event (backend, epochs, metrics, layers, report, logs) and only the
 * latest progress. Lives from activation on, independent of any panel. No `vscode` at run time.
 */
import type * as vscode from 'vscode';
import { isPanelRunKind } from '../../shared/panelMessages';
import type { EngineEvent } from '../../shared/protocol';
import type { JobRunnerApi, RunningJob } from '../services';

const MAX_LOGS = 50;

export class JobHistory implements vscode.Disposable {
  private readonly events = new Map<string, EngineEvent[]>();
  private readonly subscriptions: vscode.Disposable[] = [];

  constructor(runner: JobRunnerApi) {
    this.subscriptions.push(
      runner.onDidStart((job) => this.track(job)),
      runner.onDidEnd(({ job }) => {
        // Ended jobs are the panel's to show; only running ones need a catch-up record.
        this.events.delete(job.id);
      }),
    );
    if (runner.current) this.track(runner.current);
  }

  /** What `job` has sent so far (empty for jobs started before this history existed). */
  historyOf(jobId: string): EngineEvent[] {
    return [...(this.events.get(jobId) ?? [])];
  }

  private track(job: RunningJob): void {
    if (!isPanelRunKind(job.spec.kind) || this.events.has(job.id)) return;
    const events: EngineEvent[] = [];
    this.events.set(job.id, events);
    this.subscriptions.push(job.onEvent((event) => record(events, event)));
  }

  dispose(): void {
    for (const subscription of this.subscriptions.splice(0)) subscription.dispose();
    this.events.clear();
  }
}

/** Appends an event, replacing the previous progress and keeping the log short. */
export function record(events: EngineEvent[], event: EngineEvent): void {
  if (event.type === 'progress') {
    const last = events.findIndex((e) => e.type === 'progress');
    if (last >= 0) events.splice(last, 1);
  }
  events.push(event);
  if (event.type === 'log') {
    const logs = events.filter((e) => e.type === 'log');
    if (logs.length > MAX_LOGS) events.splice(events.indexOf(logs[0]), 1);
  }
}
