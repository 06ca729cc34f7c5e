/** Hover on a layer's name in a model.json: the layer's diagnostics from the latest cleanse. */
import * as vscode from 'vscode';
import type { ReportStore } from '../services';
import { buildLayerAnnotations } from './layerAnnotations';
import { toRange } from './vscodeRanges';

export class LayerHoverProvider implements vscode.HoverProvider {
  constructor(private readonly store: ReportStore) {}

  provideHover(document: vscode.TextDocument, position: vscode.Position): vscode.Hover | undefined {
    if (document.uri.scheme !== 'file') return undefined;
    const modelPath = document.uri.fsPath;
    // The cleansed copy has the same layer names: its producer's figures describe it as well.
    const record = this.store.latestOfKind(modelPath, 'cleanse') ?? this.store.producerOf(modelPath);
    if (!record?.report.layers.length) return undefined;
    const hover = buildLayerAnnotations(document.getText(), record.report).hovers.find((h) => toRange(h.range).contains(position));
    if (!hover) return undefined;
    const markdown = new vscode.MarkdownString(hover.markdown, true);
    return new vscode.Hover(markdown, toRange(hover.range));
  }
}
