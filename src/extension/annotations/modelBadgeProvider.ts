/** Explorer badges on model files: likely backdoored (ASR >= 50 %), cleansed, or a cleansed copy. */
import * as vscode from 'vscode';
import type { ReportStore } from '../services';
import { decorateModel } from './modelBadge';
import { modelRecords } from './modelRecords';

const COLORS = {
  backdoored: 'list.warningForeground',
  cleansed: 'descriptionForeground',
  'cleansed-copy': 'testing.iconPassed',
} as const;

export class ModelDecorationProvider implements vscode.FileDecorationProvider {
  private readonly changeEmitter = new vscode.EventEmitter<undefined>();
  readonly onDidChangeFileDecorations = this.changeEmitter.event;
  private readonly subscription: vscode.Disposable;

  constructor(private readonly store: ReportStore) {
    this.subscription = store.onDidChange(() => this.changeEmitter.fire(undefined));
  }

  provideFileDecoration(uri: vscode.Uri): vscode.FileDecoration | undefined {
    if (uri.scheme !== 'file' || !uri.path.endsWith('.json')) return undefined;
    const decoration = decorateModel(modelRecords(this.store, uri.fsPath));
    if (!decoration) return undefined;
    return new vscode.FileDecoration(decoration.badge, decoration.tooltip, new vscode.ThemeColor(COLORS[decoration.kind]));
  }

  dispose(): void {
    this.subscription.dispose();
    this.changeEmitter.dispose();
  }
}
