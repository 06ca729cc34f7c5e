/**
 * Problems-panel entries on the layers of every cleansed, defended or inspected model.json:
 * Warning for layers a diagnostic rule flagged; Information for the re-initialization figures only
 * with `backdoorCleanse.problems.showInformation`. Open documents are read from the editor
 * (positions follow unsaved edits), others from disk.
 */
import { promises as fs } from 'node:fs';
import * as vscode from 'vscode';
import type { ReportStore } from '../services';
import { buildLayerAnnotations, problemsToShow } from './layerAnnotations';
import { LAYER_RECORD_KINDS, layerRecordFor } from './modelRecords';
import { toRange } from './vscodeRanges';
import { CONFIG_SECTION, readExtensionConfig } from '../config';

export const DIAGNOSTIC_SOURCE = 'Backdoor Cleanse';
/** Turns the Information entries (one per re-initialized layer) back on. */
export const SHOW_INFORMATION_SETTING = 'backdoorCleanse.problems.showInformation';

export class LayerProblems implements vscode.Disposable {
  private readonly collection = vscode.languages.createDiagnosticCollection('backdoor-cleanse');
  private readonly disposables: vscode.Disposable[] = [this.collection];
  private refreshTimer: NodeJS.Timeout | undefined;

  constructor(private readonly store: ReportStore) {
    store.onDidChange(() => this.scheduleRefresh(), undefined, this.disposables);
    vscode.workspace.onDidChangeTextDocument((e) => this.isModel(e.document.uri) && this.scheduleRefresh(), undefined, this.disposables);
    vscode.workspace.onDidCloseTextDocument((d) => this.isModel(d.uri) && this.scheduleRefresh(), undefined, this.disposables);
    vscode.workspace.onDidChangeConfiguration((e) => e.affectsConfiguration(SHOW_INFORMATION_SETTING) && this.scheduleRefresh(), undefined, this.disposables);
    this.scheduleRefresh();
  }

  /** Recomputes every model's entries now (tests await it). */
  async refresh(): Promise<void> {
    const models = new Map<string, string>(); // model path -> its report's path
    for (const record of this.store.all()) {
      if (LAYER_RECORD_KINDS.includes(record.report.kind) && record.report.layers.length && !models.has(record.report.inputs.model)) {
        models.set(record.report.inputs.model, record.path);
      }
    }
    const showInformation = readExtensionConfig(vscode.workspace.getConfiguration(CONFIG_SECTION))['problems.showInformation'];
    const entries: [vscode.Uri, vscode.Diagnostic[]][] = [];
    for (const modelPath of models.keys()) {
      const record = layerRecordFor(this.store, modelPath);
      const text = await this.textOf(modelPath);
      if (!record || text === undefined) continue;
      const diagnostics = problemsToShow(buildLayerAnnotations(text, record.report).problems, showInformation).map((problem) => {
        const severity = problem.severity === 'warning' ? vscode.DiagnosticSeverity.Warning : vscode.DiagnosticSeverity.Information;
        const diagnostic = new vscode.Diagnostic(toRange(problem.range), problem.message, severity);
        diagnostic.source = DIAGNOSTIC_SOURCE;
        diagnostic.code = { value: 'report', target: vscode.Uri.file(record.path) };
        return diagnostic;
      });
      entries.push([vscode.Uri.file(modelPath), diagnostics]);
    }
    this.collection.clear();
    this.collection.set(entries);
  }

  dispose(): void {
    clearTimeout(this.refreshTimer);
    vscode.Disposable.from(...this.disposables).dispose();
  }

  private isModel(uri: vscode.Uri): boolean {
    return uri.scheme === 'file' && !!layerRecordFor(this.store, uri.fsPath);
  }

  private scheduleRefresh(): void {
    clearTimeout(this.refreshTimer);
    this.refreshTimer = setTimeout(() => void this.refresh(), 150);
  }

  private async textOf(modelPath: string): Promise<string | undefined> {
    const open = vscode.workspace.textDocuments.find((d) => d.uri.scheme === 'file' && d.uri.fsPath === modelPath);
    if (open) return open.getText();
    return fs.readFile(modelPath, 'utf8').catch(() => undefined);
  }
}
