/**
 * "Compare Runs" on the Runs view: two selected runs (or one, and a second picked from a list)
 * side by side in a Markdown preview: settings that differ, metrics, per-layer drift.
 */
import * as vscode from 'vscode';
import { compareRunsMarkdown } from '../runs/runComparison';
import { recordArg } from '../runs/runsTreeProvider';
import { summarizeRun } from '../runs/runSummary';
import type { ReportRecord, Services } from '../services';

export const COMPARE_RUNS_COMMAND = 'backdoorCleanse.compareRuns';

export function registerCompareRuns(services: Services): vscode.Disposable {
  return vscode.commands.registerCommand(COMPARE_RUNS_COMMAND, (target?: unknown, selected?: unknown) => compareRuns(services, target, selected));
}

export async function compareRuns(services: Services, target: unknown, selected: unknown): Promise<vscode.TextDocument | undefined> {
  const chosen = (Array.isArray(selected) ? selected : [target]).map((item) => recordArg(services.reports, item)).filter((r): r is ReportRecord => r !== undefined);
  const first = chosen[0] ?? (await pickRun(services, undefined, 'Compare runs: the first run'));
  if (!first) return undefined;
  const second = chosen.find((r) => r !== first) ?? (await pickRun(services, first, 'Compare runs: the run to compare it with'));
  if (!second) return undefined;
  const document = await vscode.workspace.openTextDocument({ language: 'markdown', content: compareRunsMarkdown(first, second) });
  await vscode.window.showTextDocument(document, { preview: false, viewColumn: vscode.ViewColumn.Beside });
  return document;
}

async function pickRun(services: Services, except: ReportRecord | undefined, title: string): Promise<ReportRecord | undefined> {
  const items = services.reports
    .all()
    .filter((record) => record !== except)
    .map((record) => {
      const summary = summarizeRun(record.report, record.path);
      return { label: summary.label, description: summary.description, detail: record.path, record };
    });
  if (items.length === 0) {
    void vscode.window.showInformationMessage('Backdoor Cleanse: there is no other run to compare with.');
    return undefined;
  }
  return (await vscode.window.showQuickPick(items, { title, matchOnDescription: true, matchOnDetail: true }))?.record;
}
