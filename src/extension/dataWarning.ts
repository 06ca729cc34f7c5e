/**
 * A cleanse the data check stopped (failure kind 'data-check': the images look out of distribution)
 * can go on with milder settings when the user accepts the warning, as `--accept-data-warning` does
 * on the command line. The editor asks, in a modal: a destroyed model must never come back silently.
 */
import * as vscode from 'vscode';
import { JobFailure } from './jobFailure';

export const GO_ON_WITH_MILDER_SETTINGS = 'Go on with milder settings';

/** True when `error` is a stopped data check and the user chose to go on. */
export async function acceptsDataWarning(error: unknown): Promise<boolean> {
  if (!(error instanceof JobFailure) || error.kind !== 'data-check') return false;
  const choice = await vscode.window.showWarningMessage(`Backdoor Cleanse: ${error.message}`, { modal: true }, GO_ON_WITH_MILDER_SETTINGS);
  return choice === GO_ON_WITH_MILDER_SETTINGS;
}
