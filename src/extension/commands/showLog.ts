/** "Backdoor Cleanse: Show Log": the output channel with the worker's messages. */
import * as vscode from 'vscode';
import type { Services } from '../services';

export const SHOW_LOG_COMMAND = 'backdoorCleanse.showLog';

export function registerShowLog(services: Services): vscode.Disposable {
  return vscode.commands.registerCommand(SHOW_LOG_COMMAND, () => services.output.show(true));
}
