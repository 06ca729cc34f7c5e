/** "Open in Panel" on a run of the Runs view (its click): the panel shows that run's results. */
import * as vscode from 'vscode';
import { CleansePanel } from '../panel/cleansePanel';
import { OPEN_RUN_COMMAND, recordArg } from '../runs/runsTreeProvider';
import type { Services } from '../services';

export function registerOpenRunInPanel(services: Services): vscode.Disposable {
  return vscode.commands.registerCommand(OPEN_RUN_COMMAND, (target?: unknown) => {
    const record = recordArg(services.reports, target) ?? services.reports.latest();
    if (!record) return void vscode.window.showInformationMessage('Backdoor Cleanse: no run recorded in this workspace yet.');
    CleansePanel.showReport(services, record);
  });
}
