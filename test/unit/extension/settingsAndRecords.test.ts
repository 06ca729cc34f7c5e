/** The extension's pure parts: settings, output folders, and the report index. */
import * as assert from 'node:assert/strict';
import { DEFAULT_CONFIG, readExtensionConfig } from '../../../src/extension/config';
import { expandOutputFolder, uniqueFolder } from '../../../src/extension/outputFolder';
import { ReportIndex, parseReport } from '../../../src/extension/reportIndex';
import { describeJob, describeProgress, formatDuration } from '../../../src/extension/progressText';
import { inspectMarkdown } from '../../../src/extension/inspectMarkdown';

const source = (values: Record<string, unknown>) => ({ get: <T>(key: string) => values[key] as T | undefined });

describe('extension settings', () => {
  it('reads every setting, falling back to defaults for missing or invalid values', () => {
    assert.deepEqual(readExtensionConfig(source({})), DEFAULT_CONFIG);
    const config = readExtensionConfig(source({ epochs: 5, batch: 32.7, learningRate: 0.002, seed: 7, backend: 'wasm', nodePath: ' /opt/node/bin/node ', outputFolder: '${workspaceFolder}/clean', limit: 500 }));
    assert.deepEqual(config, { epochs: 5, batch: 32, learningRate: 0.002, seed: 7, backend: 'wasm', nodePath: '/opt/node/bin/node', outputFolder: '${workspaceFolder}/clean', limit: 500, 'problems.showInformation': false });
    const invalid = readExtensionConfig(source({ epochs: 0, batch: -1, learningRate: 0, backend: 'gpu', outputFolder: '  ', limit: 'all' }));
    assert.deepEqual(invalid, DEFAULT_CONFIG);
  });
});

describe('extension output folders', () => {
  it('expands ${modelDir}, ${modelDirName} and ${workspaceFolder}; relative patterns start at the workspace folder', () => {
    const ctx = { modelPath: '/ws/models/badnet/model.json', workspaceFolder: '/ws' };
    assert.equal(expandOutputFolder('${modelDir}-cleansed', ctx), '/ws/models/badnet-cleansed');
    assert.equal(expandOutputFolder('${workspaceFolder}/cleansed/${modelDirName}', ctx), '/ws/cleansed/badnet');
    assert.equal(expandOutputFolder('clean', ctx), '/ws/clean');
    assert.equal(expandOutputFolder('${modelDir}-c', { modelPath: '/m/a/model.json' }), '/m/a-c');
    assert.equal(expandOutputFolder('out', { modelPath: '/m/a/model.json' }), '/m/out');
    assert.equal(expandOutputFolder('${unknown}', ctx), '/ws/${unknown}');
  });

  it('appends -2, -3... while the folder exists', () => {
    const taken = new Set(['/o', '/o-2']);
    assert.equal(uniqueFolder('/o', (f) => taken.has(f)), '/o-3');
    assert.equal(uniqueFolder('/p', (f) => taken.has(f)), '/p');
  });
});

describe('extension report index', () => {
  const reportText = (extra: Record<string, unknown>) =>
    JSON.stringify({ schemaVersion: 1, kind: 'cleanse', tool: { name: 'backdoor-cleanse', version: '1' }, createdAt: '2026-01-01T00:00:00Z', inputs: { model: '/ws/a/model.json' }, outputs: { model: '/ws/a-cleansed/model.json', report: '/ws/a-cleansed/report.json' }, layers: [], ...extra });

  it('accepts only this tool’s reports of a schema it can read', () => {
    assert.ok(parseReport(reportText({})));
    assert.equal(parseReport(reportText({ tool: { name: 'other' } })), undefined);
    assert.equal(parseReport(reportText({ schemaVersion: 2 })), undefined);
    assert.equal(parseReport(reportText({ inputs: {} })), undefined);
    assert.equal(parseReport('{not json'), undefined);
    assert.deepEqual(parseReport(reportText({ layers: undefined }))?.layers, []);
  });

  it('answers the newest record per model, per kind, and the producer of a cleansed copy', () => {
    const index = new ReportIndex();
    const older = index.set('/ws/a-cleansed/report.json', parseReport(reportText({}))!);
    const newer = index.set('/ws/a-cleansed-2/report.json', parseReport(reportText({ createdAt: '2026-02-01T00:00:00Z', outputs: { model: '/ws/a-cleansed-2/model.json', report: '' } }))!);
    const evaluation = index.set('/store/e/report.json', parseReport(reportText({ kind: 'evaluate', createdAt: '2026-01-15T00:00:00Z', outputs: { model: null, report: '' } }))!);
    assert.equal(index.latestFor('/ws/a/../a/model.json'), newer);
    assert.equal(index.latestOfKind('/ws/a/model.json', 'evaluate'), evaluation);
    assert.equal(index.producerOf('/ws/a-cleansed/model.json'), older);
    assert.equal(index.latest(), newer);
    assert.equal(index.deleteUnder('/ws/a-cleansed-2'), 1);
    assert.equal(index.latestFor('/ws/a/model.json'), evaluation);
    assert.equal(index.latestOfKind('/ws/a/model.json', 'cleanse'), older);
    assert.equal(index.delete('/ws/a-cleansed/report.json'), true);
    assert.deepEqual(index.all(), [evaluation]);
    assert.equal(index.latestFor('/ws/b/model.json'), undefined);
  });
});

describe('extension progress text', () => {
  const progress = (extra: object) => ({ type: 'progress' as const, phase: 'distill' as const, epoch: 3, epochs: 20, step: 10, steps: 40, imagesPerSecond: 850.4, etaSeconds: 80, ...extra });

  it('says epoch, step, speed, loss and time left, with the fraction done', () => {
    const view = describeProgress(progress({ loss: 0.12345 }));
    assert.equal(view.message, 'epoch 3/20 · step 10/40 · 850 img/s · loss 0.123 · 1:20 left');
    assert.equal(view.fraction, (2 + 0.25) / 20);
    assert.deepEqual(describeProgress(progress({ phase: 'load' })), { message: 'loading the model and images', fraction: 0 });
    assert.equal(describeProgress(progress({ phase: 'evaluate', step: 50, steps: 200, imagesPerSecond: null, etaSeconds: null })).message, 'evaluating 50/200 images');
    assert.equal(formatDuration(3725), '1:02:05');
  });

  it('names jobs by their model folder', () => {
    assert.equal(describeJob({ kind: 'cleanse', params: { model: '/ws/badnet/model.json', data: '/d', out: '/o' } }), 'Cleansing badnet/model.json');
  });
});

describe('extension inspect document', () => {
  it('lists the layers as a markdown table', () => {
    const text = inspectMarkdown({ type: 'result', model: '/m/model.json', inputShape: [null, 8, 8, 1], classes: 2, params: 1234, layers: [{ name: 'conv', kind: 'Conv2D', params: 40, group: 'stem', ratio: 0.01, outputShape: [null, 6, 6, 4] }] });
    assert.match(text, /^# Layers of \/m\/model\.json\n\nInput \[\?, 8, 8, 1\], 2 classes, 1,234 parameters\./);
    assert.match(text, /\| 0 \| `conv` \| Conv2D \| 40 \| \[\?, 6, 6, 4\] \| stem \| 0\.010 \|/);
  });
});
