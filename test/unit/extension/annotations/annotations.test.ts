/**
 * The annotation builders, without VS Code: report.json + file text in, exact ranges out.
 */
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import type { RunRecord, LayerDiagnostics, RunKind } from '../../../../src/shared/report';
import { scanJsonStrings } from '../../../../src/extension/annotations/jsonLocations';
import { findLayerNameRanges } from '../../../../src/extension/annotations/layerLocations';
import { buildLayerAnnotations } from '../../../../src/extension/annotations/layerAnnotations';
import { buildModelLenses } from '../../../../src/extension/annotations/modelLensSpecs';
import { layerRecordFor } from '../../../../src/extension/annotations/modelRecords';
import { recordAlerts, summarizeRecord } from '../../../../src/extension/annotations/recordSummary';
import { DIAGNOSTIC_EXPLANATIONS } from '../../../../src/shared/diagnosticsText';
import { findModelLoadCalls, resolveLoadPath } from '../../../../src/extension/annotations/loadCalls';
import { decorateModel } from '../../../../src/extension/annotations/modelBadge';
import type { ReportRecord } from '../../../../src/extension/services';

/** A pretty-printed TF.js LayersModel (Sequential) like `JSON.stringify(artifacts, null, 2)`. */
const PRETTY_MODEL = `{
  "format": "layers-model",
  "modelTopology": {
    "class_name": "Sequential",
    "config": {
      "name": "sequential_1",
      "layers": [
        {
          "class_name": "Conv2D",
          "config": { "name": "conv2d_1", "filters": 4, "kernel_size": [3, 3] }
        },
        {
          "class_name": "Flatten",
          "config": { "name": "flatten_1" }
        },
        {
          "class_name": "Dense",
          "config": {
            "units": 2,
            "name": "dense_1"
          }
        }
      ]
    }
  },
  "weightsManifest": [
    { "paths": ["group1-shard1of1.bin"], "weights": [{ "name": "conv2d_1/kernel", "shape": [3, 3, 1, 4], "dtype": "float32" }] }
  ]
}
`;

/** A one-line functional model, as tfjs's model.save() writes it (layer-level and config names). */
const ONE_LINE_MODEL =
  '{"modelTopology":{"class_name":"Model","config":{"name":"m","layers":[{"class_name":"InputLayer","config":{"name":"input_1"},"name":"input_1","inbound_nodes":[]},' +
  '{"class_name":"Dense","config":{"name":"dense_\\u0031x","units":2},"name":"dense_1x","inbound_nodes":[[["input_1",0,0,{}]]]}]}},"weightsManifest":[{"paths":[],"weights":[{"name":"dense_1x/kernel"}]}]}';

function layer(name: string, extra: Partial<LayerDiagnostics> = {}): LayerDiagnostics {
  return { name, kind: 'Conv2D', params: 40, reinitRatio: 0, reinitFraction: 0, weightDrift: null, warning: null, ...extra };
}

function report(extra: Partial<RunRecord> = {}): RunRecord {
  return {
    schemaVersion: 1,
    kind: 'cleanse',
    tool: { name: 'backdoor-cleanse', version: '0.1.0' },
    createdAt: '2026-11-26T10:00:00.000Z',
    inputs: { model: '/ws/models/badnet/model.json', modelSha256: 'x', data: '/ws/data', images: 64, skippedImages: 0, backend: { name: 'cpu', threads: 1, reason: 'test' } },
    outputs: { model: '/ws/models/badnet-cleansed/model.json', report: '/ws/models/badnet-cleansed/report.json' },
    settings: {},
    epochs: [],
    layers: [],
    warnings: [],
    timings: {},
    ...extra,
  };
}

const record = (r: RunRecord, at = r.outputs.report): ReportRecord => ({ path: at, report: r });

describe('annotations: JSON string locations', () => {
  it('reports string values with key paths and exact ranges, quotes included', () => {
    const found = scanJsonStrings('{"a": ["x", {"b":"yz"}],\n  "c": "\\"q\\""}');
    assert.deepEqual(found, [
      { path: ['a', 0], value: 'x', range: { start: { line: 0, character: 7 }, end: { line: 0, character: 10 } } },
      { path: ['a', 1, 'b'], value: 'yz', range: { start: { line: 0, character: 17 }, end: { line: 0, character: 21 } } },
      { path: ['c'], value: '"q"', range: { start: { line: 1, character: 7 }, end: { line: 1, character: 14 } } },
    ]);
  });

  it('keeps what it found before a syntax error (a file being edited)', () => {
    const found = scanJsonStrings('{"a": "ok", "b": tru');
    assert.deepEqual(found.map((f) => f.value), ['ok']);
  });
});

describe('annotations: layer name positions', () => {
  it('finds each layer of a pretty-printed Sequential model on its own line', () => {
    const ranges = findLayerNameRanges(PRETTY_MODEL);
    assert.deepEqual([...ranges.keys()], ['conv2d_1', 'flatten_1', 'dense_1']);
    assert.deepEqual(ranges.get('conv2d_1'), { start: { line: 9, character: 30 }, end: { line: 9, character: 40 } });
    assert.deepEqual(ranges.get('flatten_1'), { start: { line: 13, character: 30 }, end: { line: 13, character: 41 } });
    assert.deepEqual(ranges.get('dense_1'), { start: { line: 19, character: 20 }, end: { line: 19, character: 29 } });
    assert.equal(PRETTY_MODEL.split('\n')[19].slice(20, 29), '"dense_1"');
  });

  it('finds layers of a one-line functional model, ignoring weight names and decoding escapes', () => {
    const ranges = findLayerNameRanges(ONE_LINE_MODEL);
    assert.deepEqual([...ranges.keys()], ['input_1', 'dense_1x']);
    const dense = ranges.get('dense_1x');
    assert.ok(dense);
    assert.equal(dense.start.line, 0);
    // the first occurrence is config.name, written with an escape: "dense_\u0031x"
    assert.equal(ONE_LINE_MODEL.slice(dense.start.character, dense.end.character), '"dense_\\u0031x"');
  });
});

describe('annotations: per-layer hovers and problems', () => {
  const r = report({
    layers: [
      layer('conv2d_1', { reinitRatio: 0.03, reinitFraction: 0.031, weightDrift: 0.124, params: 40 }),
      layer('flatten_1', { kind: 'Flatten', params: 0 }),
      layer('dense_1', { kind: 'Dense', params: 1154, reinitRatio: 0.2, reinitFraction: 0.2, weightDrift: 0.5, warning: 'drifted far: check the learning rate' }),
      layer('not_in_file'),
    ],
  });

  it('gives Information for re-initialized layers and a Warning where the report warns, at the name', () => {
    const { problems, missing } = buildLayerAnnotations(PRETTY_MODEL, r);
    assert.deepEqual(
      problems.map((p) => [p.layer, p.severity, p.range.start.line, p.range.start.character, p.range.end.character]),
      [
        ['conv2d_1', 'information', 9, 30, 40],
        ['dense_1', 'information', 19, 20, 29],
        ['dense_1', 'warning', 19, 20, 29],
      ],
    );
    assert.equal(problems[0].message, 'conv2d_1 (Conv2D, 40 params): re-initialized 3.1 % of its weights (ratio 0.030); weight drift 12.4 % after the cleanse.');
    assert.equal(problems[2].message, 'dense_1: drifted far: check the learning rate');
    assert.deepEqual(missing, ['not_in_file']);
  });

  it('gives every found layer a hover with its figures', () => {
    const { hovers } = buildLayerAnnotations(PRETTY_MODEL, r);
    assert.deepEqual(hovers.map((h) => h.layer), ['conv2d_1', 'flatten_1', 'dense_1']);
    const dense = hovers[2].markdown;
    assert.match(dense, /layer `dense_1`/);
    assert.match(dense, /\| kind \| Dense \|/);
    assert.match(dense, /\| parameters \| 1,154 \|/);
    assert.match(dense, /\| re-initialization ratio \| 0\.200 \|/);
    assert.match(dense, /\| re-initialized weights \| 20\.0 % \|/);
    assert.match(dense, /\| weight drift \| 50\.0 % \|/);
    assert.match(dense, /drifted far/);
    assert.match(hovers[1].markdown, /\| weight drift \| n\/a \|/);
  });
});

describe('annotations: model CodeLenses', () => {
  const metrics = (acc: number, asr: number) => ({ acc, asr, ra: 0.05, n: 100, nTriggered: 90 });

  it('summarizes labeled before/after figures, else the agreement', () => {
    assert.equal(summarizeRecord(report({ before: metrics(0.912, 0.971), after: metrics(0.904, 0.009) })), 'ASR 97.1 % -> 0.9 %, ACC 91.2 % -> 90.4 %');
    const epochs = [0, 1].map((epoch) => ({ epoch, temperature: 1, lr: 0.01, loss: 1, agreement: epoch ? 0.987 : 0.5, topClassShare: 0.1, seconds: 1, imagesPerSecond: 10 }));
    assert.equal(summarizeRecord(report({ epochs })), 'cleansed, agreement 98.7 % (no labels)');
    assert.equal(summarizeRecord(report({ epochs, selection: { epoch: 0, rule: 'r' } })), 'cleansed, agreement 50.0 % (no labels)');
    assert.equal(summarizeRecord({ ...report({ epochs }), agreement: 0.951 } as RunRecord), 'cleansed, agreement 95.1 % (no labels)', "the report's own figure first");
    assert.equal(summarizeRecord(report({ kind: 'evaluate', outputs: { model: null, report: '' }, before: metrics(0.9, 0.97) })), 'evaluated: ACC 90.0 %, ASR 97.0 %, RA 5.0 %');
  });

  it('puts the result, Open report, the cleansed copy and Cleanse again on line 0 of a cleansed model', () => {
    const r = report({ before: metrics(0.912, 0.971), after: metrics(0.904, 0.009) });
    const lenses = buildModelLenses('/ws/models/badnet/model.json', { cleanse: record(r) });
    assert.deepEqual(
      lenses.map((l) => [l.line, l.character, l.title, l.command?.id, l.command?.paths]),
      [
        [0, 0, 'Backdoor Cleanse: ASR 97.1 % -> 0.9 %, ACC 91.2 % -> 90.4 %', undefined, undefined],
        [0, 0, 'Open report', 'backdoorCleanse.openReport', ['/ws/models/badnet-cleansed/report.json']],
        [0, 0, `Cleansed copy: ${path.join('..', 'badnet-cleansed', 'model.json')}`, 'vscode.open', ['/ws/models/badnet-cleansed/model.json']],
        [0, 0, 'Cleanse again', 'backdoorCleanse.cleanseModel', ['/ws/models/badnet/model.json']],
      ],
    );
  });

  it('describes the newer of cleanse and evaluation, and labels a cleansed copy', () => {
    const cleanse = record(report({ createdAt: '2026-01-01T00:00:00Z' }));
    const evaluate = record(report({ kind: 'evaluate', createdAt: '2026-02-01T00:00:00Z', outputs: { model: null, report: '/s/e.json' }, before: metrics(0.9, 0.97) }), '/s/e.json');
    assert.equal(buildModelLenses('/ws/models/badnet/model.json', { cleanse, evaluate })[0].title, 'Backdoor Cleanse: evaluated: ACC 90.0 %, ASR 97.0 %, RA 5.0 %');
    const copy = buildModelLenses('/ws/models/badnet-cleansed/model.json', { producer: cleanse });
    assert.equal(copy[0].title, `Backdoor Cleanse: cleansed copy of ${path.join('..', 'badnet', 'model.json')}, cleansed (no figures)`);
    assert.deepEqual(buildModelLenses('/x/model.json', {}), []);
  });
});

describe('annotations: model load calls in source', () => {
  it('finds TS/JS tf.loadLayersModel with exact ranges, drops file://, skips URLs and templates', () => {
    const text = [
      "import * as tf from '@tensorflow/tfjs-node';",
      "const m = await tf.loadLayersModel('file://models/badnet/model.json');",
      'const remote = await tf.loadLayersModel("https://example.com/model.json");',
      'const t = await tf.loadLayersModel(`file://${dir}/model.json`);',
      '  loadLayersModel(',
      "    'models/other/model.json')",
    ].join('\n');
    const calls = findModelLoadCalls(text, 'typescript');
    assert.deepEqual(calls, [
      { literal: 'models/badnet/model.json', range: { start: { line: 1, character: 16 }, end: { line: 1, character: 68 } } },
      { literal: 'models/other/model.json', range: { start: { line: 4, character: 2 }, end: { line: 5, character: 29 } } },
    ]);
  });

  it('finds Python load_model, tf.keras.models.load_model and torch.load', () => {
    const text = [
      'import torch',
      "net = torch.load('ckpt/net.pt')",
      'm = tf.keras.models.load_model("saved/model.h5")',
      "k = load_model(r'C:\\models\\k.keras')",
      "x = other_load('nope.h5')",
    ].join('\n');
    const calls = findModelLoadCalls(text, 'python');
    assert.deepEqual(calls.map((c) => [c.literal, c.range.start.line, c.range.start.character, c.range.end.character]), [
      ['ckpt/net.pt', 1, 6, 30],
      ['saved/model.h5', 2, 4, 47],
      ['C:\\models\\k.keras', 3, 4, 35],
    ]);
    assert.deepEqual(findModelLoadCalls(text, 'markdown'), []);
  });

  it('resolves a relative literal against the source folder, then the workspace folders', () => {
    const existing = new Set(['/ws/src/models/a.json', '/ws/models/b.json']);
    const exists = (f: string) => existing.has(f);
    assert.equal(resolveLoadPath('models/a.json', '/ws/src/train.py', ['/ws'], exists), '/ws/src/models/a.json');
    assert.equal(resolveLoadPath('models/b.json', '/ws/src/train.py', ['/ws'], exists), '/ws/models/b.json');
    assert.equal(resolveLoadPath('/ws/models/b.json', '/elsewhere/x.py', [], exists), '/ws/models/b.json');
    assert.equal(resolveLoadPath('missing.json', '/ws/src/train.py', ['/ws'], exists), undefined);
  });
});

describe('annotations: diagnostics from the run record (issues 4 and 6)', () => {
  const diagnosed = report({
    kind: 'defend',
    method: { id: 'clp', needs: 'data-free' },
    layers: [
      layer('conv2d_1', { lipschitzMax: 12.3456, lipschitzZ: 4.2, deadShare: 0.25, activationMean: 0.5, activationMax: 7.25, warning: 'one channel is 4.2 standard deviations above the layer mean (Lipschitz)' }),
      layer('flatten_1', { kind: 'Flatten', params: 0 }),
      layer('dense_1', { kind: 'Dense', bnDivergence: null }),
    ],
  });

  it('hovers list the new figures, each with its shared explanation', () => {
    const { hovers } = buildLayerAnnotations(PRETTY_MODEL, diagnosed);
    const conv = hovers[0].markdown.split('\n');
    for (const row of [
      '| largest channel Lipschitz bound | 12.346 |',
      '| Lipschitz z-score | 4.20 |',
      '| activation mean | 0.500 |',
      '| activation max | 7.250 |',
      '| dead channels | 25.0 % |',
    ]) {
      assert.ok(conv.includes(row), row);
    }
    assert.ok(conv.includes(`- **Lipschitz z-score**: ${DIAGNOSTIC_EXPLANATIONS.lipschitzZ}`));
    assert.ok(conv.includes(`- **dead channels**: ${DIAGNOSTIC_EXPLANATIONS.deadShare}`));
    assert.equal(conv.filter((line) => line.startsWith('- **')).length, 5, 'no explanation for a figure the layer lacks (BN divergence)');
    assert.equal(hovers[2].markdown.includes('BatchNorm divergence'), false, 'a null figure is left out');
    assert.equal(hovers[0].markdown.split('\n').at(-1), '_defend of 2026-11-26T10:00:00.000Z_');
  });

  it("turns a defense's or an inspect's layer warnings into Warning entries at the layer name", () => {
    const { problems } = buildLayerAnnotations(PRETTY_MODEL, diagnosed);
    assert.deepEqual(
      problems.map((p) => [p.layer, p.severity, p.range.start.line, p.range.start.character, p.range.end.character, p.message]),
      [['conv2d_1', 'warning', 9, 30, 40, 'conv2d_1: one channel is 4.2 standard deviations above the layer mean (Lipschitz)']],
    );
    const inspected = report({ kind: 'inspect', layers: [layer('conv2d_1', { reinitRatio: 0.03, warning: 'dead' }), layer('dense_1', { reinitRatio: 0.2 })] });
    assert.deepEqual(
      buildLayerAnnotations(PRETTY_MODEL, inspected).problems.map((p) => [p.layer, p.severity]),
      [['conv2d_1', 'warning']],
      'an inspect re-initialized nothing: no Information entries',
    );
  });

  it('picks the newest record with layers among cleanse, defend and inspect', () => {
    const byKind: Record<string, ReportRecord | undefined> = {
      cleanse: record(report({ createdAt: '2026-01-01T00:00:00Z', layers: [layer('conv2d_1')] }), '/a.json'),
      defend: record(report({ kind: 'defend', createdAt: '2026-03-01T00:00:00Z', layers: [] }), '/b.json'),
      inspect: record(report({ kind: 'inspect', createdAt: '2026-02-01T00:00:00Z', layers: [layer('conv2d_1')] }), '/c.json'),
    };
    const store = { latestOfKind: (_model: string, kind: RunKind) => byKind[kind] };
    assert.equal(layerRecordFor(store, '/m.json')?.path, '/c.json', 'the newer defense has no layers');
    assert.equal(layerRecordFor({ latestOfKind: () => undefined }, '/m.json'), undefined);
  });

  it('CodeLens names the suspected target class and a data-quality warning', () => {
    const r = report({
      suspect: { perClass: [], suspect: { class: 3, anomalyIndex: 4.1234 }, triggerImage: 'trigger.png' },
      dataQuality: { images: 64, meanConfidence: 0.3, meanEntropy: 0.9, classShares: [1], topClassShare: 1, verdict: 'warn', reasons: ['Most images go to one class.', 'The model is unsure.'] },
    });
    const lenses = buildModelLenses('/ws/models/badnet/model.json', { cleanse: record(r) });
    assert.deepEqual(
      lenses.slice(0, 4).map((l) => [l.line, l.character, l.title, l.command?.id]),
      [
        [0, 0, 'Backdoor Cleanse: cleansed (no figures)', undefined],
        [0, 0, '$(warning) Suspected backdoor target: class 3 (anomaly index 4.12)', 'backdoorCleanse.openReport'],
        [0, 0, '$(warning) Data quality: Most images go to one class.', 'backdoorCleanse.openReport'],
        [0, 0, 'Open report', 'backdoorCleanse.openReport'],
      ],
    );
    assert.equal(lenses[2].tooltip, 'Most images go to one class.\nThe model is unsure.');
    assert.deepEqual(recordAlerts(report({ dataQuality: { images: 1, meanConfidence: 1, meanEntropy: 0, classShares: [1], topClassShare: 1, verdict: 'ok', reasons: [] } })), []);
    assert.deepEqual(recordAlerts(report({ suspect: { perClass: [], suspect: null } })), []);
  });

  it('summarizes a defense and labels its copy', () => {
    const metrics = (acc: number, asr: number) => ({ acc, asr, ra: 0.05, n: 100, nTriggered: 90 });
    const defended = report({ kind: 'defend', method: { id: 'ft', needs: 'labeled' }, before: metrics(0.9, 0.97), after: metrics(0.88, 0.05), outputs: { model: '/ws/models/badnet-ft/model.json', report: '/ws/models/badnet-ft/report.json' } });
    assert.equal(summarizeRecord(defended), 'FT: ASR 97.0 % -> 5.0 %, ACC 90.0 % -> 88.0 %');
    assert.equal(summarizeRecord(report({ kind: 'defend', method: { id: 'clp', needs: 'data-free' } })), 'defended with CLP (no figures)');
    const own = buildModelLenses('/ws/models/badnet/model.json', { defend: record(defended) });
    assert.deepEqual(own.map((l) => l.title), [
      'Backdoor Cleanse: FT: ASR 97.0 % -> 5.0 %, ACC 90.0 % -> 88.0 %',
      'Open report',
      `Defended copy: ${path.join('..', 'badnet-ft', 'model.json')}`,
      'Cleanse again',
    ]);
    const copy = buildModelLenses('/ws/models/badnet-ft/model.json', { producer: record(defended) });
    assert.equal(copy[0].title, `Backdoor Cleanse: defended copy of ${path.join('..', 'badnet', 'model.json')}, FT: ASR 97.0 % -> 5.0 %, ACC 90.0 % -> 88.0 %`);
  });
});

describe('annotations: explorer decorations', () => {
  const metrics = (asr: number) => ({ acc: 0.9, asr, ra: 0, n: 10, nTriggered: 9 });

  it('flags a model whose newest figures show ASR >= 50 %, else marks it cleansed', () => {
    const evaluated = record(report({ kind: 'evaluate', createdAt: '2026-03-01T00:00:00Z', before: metrics(0.97) }), '/s/e.json');
    const high = decorateModel({ evaluate: evaluated });
    assert.equal(high?.kind, 'backdoored');
    assert.equal(high?.badge, '⚠');
    assert.match(high?.tooltip ?? '', /attack success rate 97\.0 %/);

    const cleanse = record(report({ createdAt: '2026-01-01T00:00:00Z', before: metrics(0.99), after: metrics(0.01) }));
    assert.equal(decorateModel({ cleanse })?.kind, 'backdoored', 'the input itself still has its backdoor');
    const cleansedLow = record(report({ createdAt: '2026-01-01T00:00:00Z' }));
    const d = decorateModel({ cleanse: cleansedLow });
    assert.equal(d?.kind, 'cleansed');
    assert.equal(d?.badge, 'C');
    assert.match(d?.tooltip ?? '', /cleansed copy: \/ws\/models\/badnet-cleansed\/model\.json/);
    assert.equal(decorateModel({ producer: cleanse })?.kind, 'cleansed-copy');
    assert.equal(decorateModel({ evaluate: record(report({ kind: 'evaluate', before: metrics(0.49) }), '/s/e2.json') }), undefined);
    assert.equal(decorateModel({}), undefined);
  });

  it('keeps every badge within two characters', () => {
    for (const d of [decorateModel({ producer: record(report()) }), decorateModel({ cleanse: record(report()) })]) assert.ok((d?.badge.length ?? 0) <= 2);
  });
});
