/**
 * The "Backdoor Cleanse Runs" view in the Explorer: every run record (report.json) the workspace
 * holds, newest first, with its kind and method, model, date, before -> after figures and status.
 * Clicking one opens it in the panel; its context menu compares two or exports one as Markdown.
 */
import * as vscode from 'vscode';
import type { ReportRecord, ReportStore } from '../services';
import { summarizeRun } from './runSummary';

export const RUNS_VIEW_ID = 'backdoorCleanse.runs';
export const RUN_ITEM_CONTEXT = 'backdoorCleanse.run';
export const OPEN_RUN_COMMAND = 'backdoorCleanse.openRunInPanel';

export class RunItem extends vscode.TreeItem {
  constructor(readonly record: ReportRecord) {
    const summary = summarizeRun(record.report, record.path);
    super(summary.label, vscode.TreeItemCollapsibleState.None);
    this.id = record.path;
    this.description = summary.description;
    this.tooltip = summary.tooltip;
    this.resourceUri = vscode.Uri.file(record.path);
    this.contextValue = RUN_ITEM_CONTEXT;
    this.iconPath = new vscode.ThemeIcon(summary.status === 'warnings' ? 'warning' : record.report.kind === 'attack' ? 'bug' : 'shield');
    this.command = { command: OPEN_RUN_COMMAND, title: 'Open in panel', arguments: [this] };
  }
}

export class RunsTreeProvider implements vscode.TreeDataProvider<RunItem>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly subscription: vscode.Disposable;

  constructor(private readonly store: ReportStore) {
    this.subscription = store.onDidChange(() => this.changed.fire());
  }

  getTreeItem(item: RunItem): vscode.TreeItem {
    return item;
  }

  getChildren(parent?: RunItem): RunItem[] {
    if (parent) return [];
    return [...this.store.all()].sort((a, b) => b.report.createdAt.localeCompare(a.report.createdAt)).map((record) => new RunItem(record));
  }

  dispose(): void {
    this.subscription.dispose();
    this.changed.dispose();
  }
}

/** A record from a command argument: a run item, a report.json Uri or path. */
export function recordArg(store: ReportStore, value: unknown): ReportRecord | undefined {
  if (value instanceof RunItem) return value.record;
  const file = value instanceof vscode.Uri ? value.fsPath : typeof value === 'string' ? value : undefined;
  return file ? store.all().find((record) => record.path === file) : undefined;
}
