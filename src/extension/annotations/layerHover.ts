/** Hover on a layer's name in a model.json: the layer's figures from the latest cleanse, defense or inspect. */
import * as vscode from 'vscode';
import type { ReportStore } from '../services';
import { buildLayerAnnotations } from './layerAnnotations';
import { layerRecordFor } from './modelRecords';
import { toRange } from './vscodeRanges';

export class LayerHoverProvider implements vscode.HoverProvider {
  constructor(private readonly store: ReportStore) {}

  provideHover(document: vscode.TextDocument, position: vscode.Position): vscode.Hover | undefined {
    if (document.uri.scheme !== 'file') return undefined;
    const modelPath = document.uri.fsPath;
    // The cleansed copy has the same layer names: its producer's figures describe it as well.
    const record = layerRecordFor(this.store, modelPath) ?? this.store.producerOf(modelPath);
    if (!record?.report.layers.length) return undefined;
    const hover = buildLayerAnnotations(document.getText(), record.report).hovers.find((h) => toRange(h.range).contains(position));
    if (!hover) return undefined;
    const markdown = new vscode.MarkdownString(hover.markdown, true);
    return new vscode.Hover(markdown, toRange(hover.range));
  }
}
