/**
 * The Runs view's commands in a real VS Code, on two fixture records: open one in the panel,
 * export one as Markdown beside its report.json (never replacing an earlier export), compare two.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { activateExtension, scratchFolder, waitFor } from './helpers';

function fixtureReport(dir: string, name: string, epochs: number, asrAfter: number): string {
  const out = path.join(dir, name);
  fs.mkdirSync(out, { recursive: true });
  const report = {
    schemaVersion: 1, kind: 'cleanse', tool: { name: 'backdoor-cleanse', version: '0.1.0' }, createdAt: new Date().toISOString(),
    inputs: { model: path.join(dir, 'badnet', 'model.json'), modelSha256: 'f'.repeat(64), data: '/data', images: 64, skippedImages: 0, backend: { name: 'cpu', threads: 1, reason: 'fixture' } },
    outputs: { model: path.join(out, 'model.json'), report: path.join(out, 'report.json') },
    settings: { epochs, lr: 0.01 }, epochs: [],
    layers: [{ name: 'dense_1', kind: 'Dense', params: 40, reinitRatio: 0.1, reinitFraction: 0.1, weightDrift: 0.3, warning: null }],
    before: { acc: 0.91, asr: 0.97, ra: 0.02, n: 100, nTriggered: 90 }, after: { acc: 0.9, asr: asrAfter, ra: 0.8, n: 100, nTriggered: 90 },
    warnings: [], timings: {},
  };
  const file = path.join(out, 'report.json');
  fs.writeFileSync(file, JSON.stringify(report, null, 2));
  return file;
}

describe('runs view commands', function () {
  this.timeout(60000);
  let dir: string;
  let first: string;
  let second: string;

  before(async () => {
    const api = await activateExtension();
    dir = scratchFolder('runs');
    first = fixtureReport(dir, 'run-a', 10, 0.01);
    second = fixtureReport(dir, 'run-b', 20, 0.03);
    await waitFor('both records to be indexed', () => api.services.reports.all().filter((r) => r.path === first || r.path === second).length === 2);
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('exports a run as Markdown beside its record, and a second export does not replace the first', async () => {
    const file = await vscode.commands.executeCommand<string>('backdoorCleanse.exportRunMarkdown', first);
    assert.equal(file, path.join(dir, 'run-a', 'report.md'));
    const text = fs.readFileSync(file, 'utf8');
    assert.match(text, /\| Model SHA-256 \(model\.json and weight files\) \| `f{64}` \|/);
    assert.match(text, /\| Attack success \(ASR\) \| 97\.0 % \| 1\.0 % \|/);
    const again = await vscode.commands.executeCommand<string>('backdoorCleanse.exportRunMarkdown', first);
    assert.equal(again, path.join(dir, 'run-a', 'report-2.md'));
    assert.equal(fs.readFileSync(file, 'utf8'), text);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('compares two selected runs: the differing setting and both runs\' figures', async () => {
    const document = await vscode.commands.executeCommand<vscode.TextDocument>('backdoorCleanse.compareRuns', first, [first, second]);
    const text = document.getText();
    assert.match(text, /\| epochs \| 10 \| 20 \|/);
    assert.match(text, /\| ASR \| 97\.0 % \| 1\.0 % \| 97\.0 % \| 3\.0 % \|/);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('opens a run in the panel', async () => {
    await vscode.commands.executeCommand('backdoorCleanse.openRunInPanel', second);
    // The tab list follows the panel's creation a moment later.
    const tabs = () => vscode.window.tabGroups.all.flatMap((group) => group.tabs.map((tab) => tab.label));
    await waitFor(`a "Backdoor Cleanse" tab (tabs: ${tabs().join(', ')})`, () => tabs().includes('Backdoor Cleanse'), 10000);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });
});
