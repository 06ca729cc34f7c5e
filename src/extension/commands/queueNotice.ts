/** Tells the user a job waits behind others (one job runs at a time), with a way to drop it. */
import * as vscode from 'vscode';
import type { JobRunnerApi, RunningJob } from '../services';

export function noticeIfQueued(runner: JobRunnerApi, job: RunningJob): void {
  const position = runner.queued.indexOf(job);
  if (position < 0) return;
  const ahead = position + 1; // the running job plus those queued before this one
  void vscode.window.showInformationMessage(`Backdoor Cleanse: queued behind ${ahead} job${ahead === 1 ? '' : 's'}; it starts when ${ahead === 1 ? 'that one ends' : 'they end'}.`, 'Remove from queue').then((choice) => {
    if (choice) job.cancel();
  });
}
