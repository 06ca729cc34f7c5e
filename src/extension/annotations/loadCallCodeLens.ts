/**
 * CodeLenses on source lines that load a model from a path literal: "Cleanse this model", or once
 * a cleanse exists "Cleansed copy: <path>" (opens it).
 */
import * as fs from 'node:fs';
import * as vscode from 'vscode';
import type { ReportStore } from '../services';
import { findModelLoadCalls, resolveLoadPath } from './loadCalls';
import { COMMAND_CLEANSE, relative } from './modelLensSpecs';
import { toRange } from './vscodeRanges';

export class LoadCallCodeLensProvider implements vscode.CodeLensProvider {
  readonly onDidChangeCodeLenses: vscode.Event<void>;

  constructor(private readonly store: ReportStore) {
    this.onDidChangeCodeLenses = store.onDidChange;
  }

  provideCodeLenses(document: vscode.TextDocument): vscode.CodeLens[] {
    if (document.uri.scheme !== 'file') return [];
    const folders = (vscode.workspace.workspaceFolders ?? []).map((f) => f.uri.fsPath);
    const lenses: vscode.CodeLens[] = [];
    for (const call of findModelLoadCalls(document.getText(), document.languageId)) {
      const known = (file: string) => !!this.store.latestFor(file) || fs.existsSync(file);
      const modelPath = resolveLoadPath(call.literal, document.uri.fsPath, folders, known);
      if (!modelPath) continue; // a path we cannot find: no lens rather than one that fails
      const range = toRange(call.range);
      const outputs = this.store.latestOfKind(modelPath, 'cleanse')?.report.outputs;
      // An .onnx model's cleansed copy is the model.onnx beside the TF.js one.
      const output = (modelPath.toLowerCase().endsWith('.onnx') && outputs?.onnx) || outputs?.model;
      const producer = this.store.producerOf(modelPath);
      if (output) {
        lenses.push(new vscode.CodeLens(range, { title: `Cleansed copy: ${relative(document.uri.fsPath, output)}`, command: 'vscode.open', arguments: [vscode.Uri.file(output)], tooltip: 'Open the cleansed model' }));
      } else if (producer) {
        lenses.push(new vscode.CodeLens(range, { title: 'Backdoor Cleanse: this is a cleansed model', command: 'backdoorCleanse.openReport', arguments: [vscode.Uri.file(producer.path)] }));
      } else {
        lenses.push(new vscode.CodeLens(range, { title: 'Cleanse this model', command: COMMAND_CLEANSE, arguments: [vscode.Uri.file(modelPath)], tooltip: 'Backdoor Cleanse: remove a backdoor with unlabeled images' }));
      }
    }
    return lenses;
  }
}
