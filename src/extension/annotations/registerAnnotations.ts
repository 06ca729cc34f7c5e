/** Wires every report-driven annotation to VS Code. Works in untrusted workspaces too (read-only). */
import * as vscode from 'vscode';
import type { ReportStore } from '../services';
import { LayerHoverProvider } from './layerHover';
import { LayerProblems } from './layerProblems';
import { LoadCallCodeLensProvider } from './loadCallCodeLens';
import { LOAD_CALL_LANGUAGES } from './loadCalls';
import { ModelCodeLensProvider } from './modelCodeLensProvider';
import { ModelDecorationProvider } from './modelBadgeProvider';

export interface Annotations extends vscode.Disposable {
  problems: LayerProblems;
}

export function registerAnnotations(store: ReportStore): Annotations {
  // .onnx files get the model lenses too when opened as text.
  const jsonFiles: vscode.DocumentSelector = [{ scheme: 'file', pattern: '**/*.json' }, { scheme: 'file', pattern: '**/*.onnx' }];
  const sources: vscode.DocumentSelector = LOAD_CALL_LANGUAGES.map((language) => ({ scheme: 'file', language }));
  const problems = new LayerProblems(store);
  const decorations = new ModelDecorationProvider(store);
  const disposables = [
    problems,
    decorations,
    vscode.languages.registerCodeLensProvider(jsonFiles, new ModelCodeLensProvider(store)),
    vscode.languages.registerHoverProvider(jsonFiles, new LayerHoverProvider(store)),
    vscode.languages.registerCodeLensProvider(sources, new LoadCallCodeLensProvider(store)),
    vscode.window.registerFileDecorationProvider(decorations),
  ];
  return { problems, dispose: () => vscode.Disposable.from(...disposables).dispose() };
}
