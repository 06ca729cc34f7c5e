/** A status bar item while jobs run: what runs, how far, how many wait; click to cancel. */
import * as vscode from 'vscode';
import type { EngineEvent } from '../shared/protocol';
import { describeJob, describeProgress } from './progressText';
import type { JobRunnerApi } from './services';

export class JobStatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('backdoorCleanse.job', vscode.StatusBarAlignment.Left, 50);
  private readonly disposables: vscode.Disposable[] = [this.item];
  private detail = '';
  private jobEvents: vscode.Disposable | undefined;

  constructor(private readonly runner: JobRunnerApi) {
    this.item.name = 'Backdoor Cleanse job';
    this.item.command = 'backdoorCleanse.cancelJob';
    runner.onDidStart((job) => {
      this.detail = 'starting the worker';
      this.jobEvents?.dispose();
      this.jobEvents = job.onEvent((event) => this.onEvent(event));
      this.render();
    }, undefined, this.disposables);
    runner.onDidEnd(() => this.render(), undefined, this.disposables);
    runner.onDidChangeQueue(() => this.render(), undefined, this.disposables);
  }

  /** The text shown now (for tests). */
  get text(): string {
    return this.item.text;
  }

  dispose(): void {
    this.jobEvents?.dispose();
    vscode.Disposable.from(...this.disposables).dispose();
  }

  private onEvent(event: EngineEvent): void {
    if (event.type !== 'progress') return;
    const view = describeProgress(event);
    this.detail = view.fraction === undefined ? view.message : `${Math.round(view.fraction * 100)} %`;
    this.render();
  }

  private render(): void {
    const job = this.runner.current;
    if (!job) return this.item.hide();
    const waiting = this.runner.queued.length;
    this.item.text = `$(sync~spin) ${describeJob(job.spec)}: ${this.detail}${waiting ? ` (+${waiting} queued)` : ''}`;
    this.item.tooltip = `Backdoor Cleanse: ${describeJob(job.spec)}${waiting ? `; ${waiting} more waiting` : ''}. Click to cancel.`;
    this.item.show();
  }
}
