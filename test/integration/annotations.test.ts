/**
 * Annotations from a report.json fixture in the workspace: CodeLens on the model.json, Problems
 * entries and hovers on its layers, a CodeLens on a Python line that loads the model; and they go
 * away when the report is deleted.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { DIAGNOSTIC_EXPLANATIONS } from '../../src/shared/diagnosticsText';
import { activateExtension, codeLensTitles, scratchFolder, waitFor } from './helpers';

const MODEL_JSON = `{
  "format": "layers-model",
  "modelTopology": {
    "class_name": "Sequential",
    "config": {
      "name": "sequential_1",
      "layers": [
        { "class_name": "Conv2D", "config": { "name": "conv2d_1", "filters": 4 } },
        { "class_name": "Flatten", "config": { "name": "flatten_1" } },
        { "class_name": "Dense", "config": { "name": "dense_1", "units": 2 } }
      ]
    }
  },
  "weightsManifest": []
}
`;

function reportFor(model: string, out: string) {
  const layer = (name: string, kind: string, extra: object) => ({ name, kind, params: 40, reinitRatio: 0, reinitFraction: 0, weightDrift: null, warning: null, ...extra });
  return {
    schemaVersion: 1,
    kind: 'cleanse',
    tool: { name: 'backdoor-cleanse', version: '0.1.0' },
    createdAt: new Date().toISOString(),
    inputs: { model, modelSha256: '0', data: '/data', images: 64, skippedImages: 0, backend: { name: 'cpu', threads: 1, reason: 'fixture' } },
    outputs: { model: path.join(out, 'model.json'), report: path.join(out, 'report.json') },
    settings: {},
    epochs: [],
    layers: [
      layer('conv2d_1', 'Conv2D', { reinitRatio: 0.03, reinitFraction: 0.031, weightDrift: 0.124, lipschitzMax: 12.5, lipschitzZ: 4.2 }),
      layer('flatten_1', 'Flatten', { params: 0 }),
      layer('dense_1', 'Dense', { reinitRatio: 0.2, reinitFraction: 0.2, weightDrift: 0.5, warning: 'drifted far' }),
    ],
    before: { acc: 0.912, asr: 0.971, ra: 0.02, n: 100, nTriggered: 90 },
    after: { acc: 0.904, asr: 0.009, ra: 0.88, n: 100, nTriggered: 90 },
    warnings: [],
    timings: {},
    suspect: { perClass: [], suspect: { class: 1, anomalyIndex: 3.5 }, triggerImage: null },
  };
}

describe('annotations from report.json', () => {
  let dir: string;
  let modelPath: string;
  let reportPath: string;

  before(async () => {
    const api = await activateExtension();
    dir = scratchFolder('annotations');
    modelPath = path.join(dir, 'badnet', 'model.json');
    const out = path.join(dir, 'badnet-cleansed');
    fs.mkdirSync(path.dirname(modelPath), { recursive: true });
    fs.mkdirSync(out, { recursive: true });
    fs.writeFileSync(modelPath, MODEL_JSON);
    fs.writeFileSync(path.join(out, 'model.json'), MODEL_JSON);
    reportPath = path.join(out, 'report.json');
    fs.writeFileSync(reportPath, JSON.stringify(reportFor(modelPath, out), null, 2));
    // Found by the workspace watcher, without anybody telling the store.
    await waitFor('the report to be indexed', () => api.services.reports.latestFor(modelPath));
  });

  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('shows the last result, Open report, the cleansed copy and Cleanse again at the top of the model.json', async () => {
    const uri = vscode.Uri.file(modelPath);
    await vscode.window.showTextDocument(uri);
    const titles = await waitFor('the model CodeLenses', async () => {
      const t = await codeLensTitles(uri);
      return t.length ? t : undefined;
    });
    assert.deepEqual(titles, [
      'Backdoor Cleanse: ASR 97.1 % -> 0.9 %, ACC 91.2 % -> 90.4 %',
      '$(warning) Suspected backdoor target: class 1 (anomaly index 3.50)',
      'Open report',
      `Cleansed copy: ${path.join('..', 'badnet-cleansed', 'model.json')}`,
      'Cleanse again',
    ]);
    const lenses = (await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri)) ?? [];
    assert.ok(lenses.every((lens) => lens.range.start.line === 0));
  });

  it('labels the cleansed copy as such', async () => {
    const copy = vscode.Uri.file(path.join(dir, 'badnet-cleansed', 'model.json'));
    const titles = await codeLensTitles(copy);
    assert.match(titles[0] ?? '', /^Backdoor Cleanse: cleansed copy of /);
  });

  it('puts only the warned layer in Problems, on its name', async () => {
    const api = await activateExtension();
    await api.testing.annotations.problems.refresh();
    const uri = vscode.Uri.file(modelPath);
    const diagnostics = vscode.languages.getDiagnostics(uri).filter((d) => d.source === 'Backdoor Cleanse');
    const summary = diagnostics.map((d) => [d.severity, d.range.start.line, d.range.start.character, d.range.end.character]);
    assert.deepEqual(summary, [[vscode.DiagnosticSeverity.Warning, 9, 53, 62]]);
    assert.equal(diagnostics[0].message, 'dense_1: drifted far');
  });

  it('adds the per-layer Information entries with backdoorCleanse.problems.showInformation', async () => {
    const api = await activateExtension();
    const config = vscode.workspace.getConfiguration('backdoorCleanse');
    await config.update('problems.showInformation', true, vscode.ConfigurationTarget.Global);
    try {
      await api.testing.annotations.problems.refresh();
      const uri = vscode.Uri.file(modelPath);
      const diagnostics = vscode.languages.getDiagnostics(uri).filter((d) => d.source === 'Backdoor Cleanse');
      const summary = diagnostics.map((d) => [d.severity, d.range.start.line, d.range.start.character, d.range.end.character]);
      assert.deepEqual(summary, [
        [vscode.DiagnosticSeverity.Information, 7, 54, 64],
        [vscode.DiagnosticSeverity.Information, 9, 53, 62],
        [vscode.DiagnosticSeverity.Warning, 9, 53, 62],
      ]);
      const line7 = MODEL_JSON.split('\n')[7];
      assert.equal(line7.slice(54, 64), '"conv2d_1"');
      assert.match(diagnostics[0].message, /re-initialized 3\.1 % of its weights/);
    } finally {
      await config.update('problems.showInformation', undefined, vscode.ConfigurationTarget.Global);
      await api.testing.annotations.problems.refresh();
    }
  });

  it('shows a layer’s figures on hover over its name', async () => {
    const uri = vscode.Uri.file(modelPath);
    const hovers = (await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', uri, new vscode.Position(9, 57))) ?? [];
    const text = hovers.flatMap((h) => h.contents.map((c) => (typeof c === 'string' ? c : c.value))).join('\n');
    assert.match(text, /layer `dense_1`/);
    assert.match(text, /\| weight drift \| 50\.0 % \|/);
    assert.match(text, /drifted far/);
    const convHovers = (await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', uri, new vscode.Position(7, 58))) ?? [];
    const convText = convHovers.flatMap((h) => h.contents.map((c) => (typeof c === 'string' ? c : c.value))).join('\n');
    assert.match(convText, /\| Lipschitz z-score \| 4\.20 \|/);
    assert.ok(convText.includes(`- **Lipschitz z-score**: ${DIAGNOSTIC_EXPLANATIONS.lipschitzZ}`), convText);
  });

  it('puts "Cleansed copy" on a Python line that loads the model', async () => {
    const script = path.join(dir, 'train.py');
    fs.writeFileSync(script, "from tensorflow import keras\nm = keras.models.load_model('badnet/model.json')\n");
    const uri = vscode.Uri.file(script);
    await vscode.workspace.openTextDocument(uri);
    const lenses = (await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri)) ?? [];
    assert.deepEqual(lenses.map((l) => [l.range.start.line, l.range.start.character, l.command?.title]), [[1, 4, `Cleansed copy: ${path.join('badnet-cleansed', 'model.json')}`]]);
  });

  it('removes the annotations when the report is deleted', async () => {
    const api = await activateExtension();
    fs.rmSync(reportPath);
    await waitFor('the report to be forgotten', () => !api.services.reports.latestFor(modelPath));
    await api.testing.annotations.problems.refresh();
    assert.deepEqual(vscode.languages.getDiagnostics(vscode.Uri.file(modelPath)).filter((d) => d.source === 'Backdoor Cleanse'), []);
    assert.deepEqual(await codeLensTitles(vscode.Uri.file(modelPath)), []);
  });
});
