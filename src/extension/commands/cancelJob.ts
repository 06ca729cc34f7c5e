/** "Backdoor Cleanse: Cancel Running Job": the running job stops within seconds (its output is discarded). */
import * as vscode from 'vscode';
import type { Services } from '../services';

export const CANCEL_JOB_COMMAND = 'backdoorCleanse.cancelJob';

export function registerCancelJob(services: Services): vscode.Disposable {
  return vscode.commands.registerCommand(CANCEL_JOB_COMMAND, () => cancelJob(services));
}

/** Returns the id of the cancelled job, or undefined when nothing ran. */
export function cancelJob(services: Services): string | undefined {
  const job = services.runner.current;
  if (!job) {
    void vscode.window.showInformationMessage('Backdoor Cleanse: no job is running.');
    return undefined;
  }
  job.cancel();
  return job.id;
}
