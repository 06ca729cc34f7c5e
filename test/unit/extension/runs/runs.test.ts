/**
 * The Runs view's pure parts: a run's one-line summary, the Markdown export and the comparison of
 * two runs, and the never-replace file name of the export.
 */
import * as assert from 'node:assert/strict';
import { compareRunsMarkdown, differingSettings } from '../../../../src/extension/runs/runComparison';
import { uniqueFile } from '../../../../src/extension/runs/exportFile';
import { cell, runMarkdown } from '../../../../src/extension/runs/runMarkdown';
import { runKindLabel, summarizeRun } from '../../../../src/extension/runs/runSummary';
import type { RunRecord } from '../../../../src/shared/report';

function record(over: Partial<RunRecord> = {}): RunRecord {
  return {
    schemaVersion: 1,
    kind: 'cleanse',
    tool: { name: 'backdoor-cleanse', version: '0.1.0' },
    createdAt: '2026-12-07T15:20:31.000Z',
    inputs: { model: '/ws/badnet/model.json', modelSha256: 'abc123', data: '/ws/unlabeled', images: 1000, skippedImages: 0, backend: { name: 'wasm', threads: 2, reason: 'r' }, evalData: '/ws/labeled', trigger: { type: 'badnets', target: 0 } },
    outputs: { model: '/ws/badnet-cleansed/model.json', report: '/ws/badnet-cleansed/report.json' },
    settings: { epochs: 10, lr: 0.01, ratios: { conv1: 0.03 } },
    epochs: [],
    layers: [
      { name: 'conv1', kind: 'Conv2D', params: 112, reinitRatio: 0.03, reinitFraction: 0.031, weightDrift: 0.12, warning: null },
      { name: 'fc', kind: 'Dense', params: 2010, reinitRatio: 0.1, reinitFraction: 0.1, weightDrift: 0.5, warning: 'drifted | far' },
    ],
    before: { acc: 0.912, asr: 0.971, ra: 0.02, n: 500, nTriggered: 450 },
    after: { acc: 0.904, asr: 0.009, ra: 0.88, n: 500, nTriggered: 450 },
    warnings: [],
    timings: {},
    suspect: { perClass: [], suspect: { class: 0, anomalyIndex: 3.5 }, triggerImage: 'suspect-trigger.png', maskImage: 'suspect-trigger-mask.png', patternImage: null, stampedImage: 'data:image/png;base64,AAAA' },
    ...over,
  } as RunRecord;
}

describe('runs: summary, Markdown export, comparison', () => {
  it('summarizes a run: kind and method, model, date, before -> after, status', () => {
    const summary = summarizeRun(record(), '/ws/badnet-cleansed/report.json');
    assert.equal(summary.label, 'BCU cleanse · badnet/model.json');
    assert.equal(summary.description, '2026-12-07 15:20 · ASR 97.1 % -> 0.9 %, ACC 91.2 % -> 90.4 %');
    assert.equal(summary.status, 'ok');
    assert.equal(summarizeRun(record({ warnings: ['loss diverged once'] }), 'r').status, 'warnings');
    assert.equal(runKindLabel(record({ kind: 'defend', method: { id: 'clp', needs: 'data-free' } })), 'CLP defense');
    assert.equal(runKindLabel(record({ kind: 'attack' })), 'badnets attack');
  });

  it('exports hashes, metrics, findings with the trigger images on disk, settings and the layer table', () => {
    const text = runMarkdown(record(), { reportPath: '/ws/badnet-cleansed/report.json' });
    assert.match(text, /^# BCU cleanse: \/ws\/badnet\/model\.json/);
    assert.match(text, /\| Model SHA-256 \(model\.json and weight files\) \| `abc123` \|/);
    assert.match(text, /\| Attack success \(ASR\) \| 97\.1 % \| 0\.9 % \|/);
    assert.match(text, /\*\*Suspected backdoor target: class 0\*\*/);
    assert.match(text, /!\[recovered trigger\]\(suspect-trigger\.png\) !\[mask\]\(suspect-trigger-mask\.png\)/);
    assert.ok(!text.includes('data:image'), 'inline images are not copied into the document');
    assert.match(text, /\| ratios \| \{"conv1":0\.03\} \|/);
    assert.match(text, /\| fc \| Dense \| 2010 \| 10\.0 % \| 50\.0 % \| drifted \\\| far \|/);
    assert.ok(!/## Before and after/.test(runMarkdown(record({ before: null, after: null }), { reportPath: 'r' })), 'no metrics table without figures');
    assert.equal(cell(null), '—');
  });

  it('compares two runs: only the settings that differ, metrics and drift of both', () => {
    const a = record();
    const b = record({ settings: { epochs: 20, lr: 0.01, ratios: { conv1: 0.03 } }, layers: [a.layers[0]], after: { acc: 0.89, asr: 0.02, ra: 0.8, n: 500, nTriggered: 450 } });
    assert.deepEqual(differingSettings(a, b), [['epochs', '10', '20']]);
    const text = compareRunsMarkdown({ report: a, path: '/a/report.json' }, { report: b, path: '/b/report.json' });
    assert.match(text, /\| epochs \| 10 \| 20 \|/);
    assert.ok(!/\| lr \|/.test(text), 'equal settings are left out');
    assert.match(text, /\| ASR \| 97\.1 % \| 0\.9 % \| 97\.1 % \| 2\.0 % \|/);
    assert.match(text, /\| fc \| 50\.0 % \| n\/a \|/);
    assert.match(compareRunsMarkdown({ report: a, path: 'x' }, { report: a, path: 'y' }), /None: both runs used the same settings/);
  });

  it('never replaces an earlier export', () => {
    const taken = new Set(['/r/report.md', '/r/report-2.md']);
    assert.equal(uniqueFile('/r/report.md', (f) => taken.has(f)), '/r/report-3.md');
    assert.equal(uniqueFile('/s/report.md', (f) => taken.has(f)), '/s/report.md');
  });
});
