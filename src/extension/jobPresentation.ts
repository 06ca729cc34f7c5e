/**
 * How every job shows itself, whoever started it (a command or the panel): a cancellable progress
 * notification while it runs, and an error with "Show log" when it fails. Success messages belong
 * to whoever started the job (they know what to offer next).
 */
import * as vscode from 'vscode';
import { describeJob, describeProgress } from './progressText';
import type { JobRunnerApi, RunningJob } from './services';

export const SHOW_LOG = 'Show log';

export function presentJobs(runner: JobRunnerApi, output: vscode.OutputChannel): vscode.Disposable {
  const subscriptions = [
    runner.onDidStart((job) => showProgress(job)),
    runner.onDidEnd(({ job, ok, error }) => {
      // A stopped data check is answered by a confirmation where the job was started (dataWarning.ts).
      if (ok || !error || error.kind === 'cancelled' || error.kind === 'data-check') return;
      const title = error.kind === 'out-of-memory' ? 'ran out of memory' : error.kind === 'input' ? 'cannot run' : 'failed';
      output.appendLine(`${job.id} ${title}: ${error.message}`);
      void vscode.window.showErrorMessage(`Backdoor Cleanse: ${describeJob(job.spec)} ${title}. ${error.message}`, SHOW_LOG).then((choice) => {
        if (choice === SHOW_LOG) output.show(true);
      });
    }),
  ];
  return vscode.Disposable.from(...subscriptions);
}

function showProgress(job: RunningJob): void {
  void vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `Backdoor Cleanse: ${describeJob(job.spec)}`, cancellable: true },
    (progress, token) => {
      token.onCancellationRequested(() => job.cancel());
      let reported = 0; // percent already reported: withProgress takes increments
      job.onEvent((event) => {
        if (event.type === 'backend') return progress.report({ message: `on ${event.backend.name} (${event.backend.threads} thread${event.backend.threads === 1 ? '' : 's'})` });
        if (event.type !== 'progress') return;
        const view = describeProgress(event);
        const percent = view.fraction === undefined ? reported : Math.round(view.fraction * 100);
        progress.report({ message: view.message, increment: Math.max(0, percent - reported) });
        reported = Math.max(reported, percent);
      });
      return job.result.then(() => undefined, () => undefined);
    },
  );
}
