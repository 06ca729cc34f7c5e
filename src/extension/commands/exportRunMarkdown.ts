/**
 * "Export Run as Markdown": writes the run's summary (runs/runMarkdown.ts) beside its report.json
 * as report.md (report-2.md... when taken: nothing is replaced) and opens it.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { uniqueFile } from '../runs/exportFile';
import { runMarkdown } from '../runs/runMarkdown';
import { recordArg } from '../runs/runsTreeProvider';
import type { Services } from '../services';

export const EXPORT_RUN_COMMAND = 'backdoorCleanse.exportRunMarkdown';

export function registerExportRunMarkdown(services: Services): vscode.Disposable {
  return vscode.commands.registerCommand(EXPORT_RUN_COMMAND, (target?: unknown) => exportRunMarkdown(services, target));
}

export async function exportRunMarkdown(services: Services, target: unknown): Promise<string | undefined> {
  const record = recordArg(services.reports, target) ?? services.reports.latest();
  if (!record) {
    void vscode.window.showInformationMessage('Backdoor Cleanse: no run recorded in this workspace yet.');
    return undefined;
  }
  const file = uniqueFile(path.join(path.dirname(record.path), 'report.md'), fs.existsSync);
  await fs.promises.writeFile(file, runMarkdown(record.report, { reportPath: record.path }), { flag: 'wx' });
  await vscode.window.showTextDocument(vscode.Uri.file(file), { preview: false });
  return file;
}
