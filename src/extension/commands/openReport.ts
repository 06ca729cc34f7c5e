/**
 * "Backdoor Cleanse: Open Last Report": the newest report.json, or the one given (Uri/path of a
 * report, or of a model.json: its newest report).
 */
import * as vscode from 'vscode';
import type { Services } from '../services';
import { pathArg } from './commandArgs';

export const OPEN_REPORT_COMMAND = 'backdoorCleanse.openReport';

export function registerOpenReport(services: Services): vscode.Disposable {
  return vscode.commands.registerCommand(OPEN_REPORT_COMMAND, (target?: unknown) => openReport(services, target));
}

export async function openReport(services: Services, target: unknown): Promise<vscode.TextEditor | undefined> {
  const given = pathArg(target);
  const reportPath = given && !given.endsWith('report.json') ? services.reports.latestFor(given)?.path : given ?? services.reports.latest()?.path;
  if (!reportPath) {
    void vscode.window.showInformationMessage('Backdoor Cleanse: no report yet. Cleanse or evaluate a model first.');
    return undefined;
  }
  return vscode.window.showTextDocument(vscode.Uri.file(reportPath), { preview: false });
}
