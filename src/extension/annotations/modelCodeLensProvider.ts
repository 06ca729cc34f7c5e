/** CodeLenses at the top of a model.json with a report: the last result, Open report, Cleanse again. */
import * as vscode from 'vscode';
import type { ReportStore } from '../services';
import { buildModelLenses } from './modelLensSpecs';
import { modelRecords } from './modelRecords';

export class ModelCodeLensProvider implements vscode.CodeLensProvider {
  readonly onDidChangeCodeLenses: vscode.Event<void>;

  constructor(private readonly store: ReportStore) {
    this.onDidChangeCodeLenses = store.onDidChange;
  }

  provideCodeLenses(document: vscode.TextDocument): vscode.CodeLens[] {
    if (document.uri.scheme !== 'file') return [];
    const modelPath = document.uri.fsPath;
    return buildModelLenses(modelPath, modelRecords(this.store, modelPath)).map((spec) => {
      const range = new vscode.Range(spec.line, spec.character, spec.line, spec.character);
      const command: vscode.Command = spec.command
        ? { title: spec.title, command: spec.command.id, arguments: spec.command.paths.map((p) => vscode.Uri.file(p)), tooltip: spec.tooltip }
        : { title: spec.title, command: '', tooltip: spec.tooltip };
      return new vscode.CodeLens(range, command);
    });
  }
}
