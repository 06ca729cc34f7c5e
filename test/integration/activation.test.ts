/** The extension activates in a real VS Code, registers every contributed command, reads its settings. */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { DEFAULT_CONFIG } from '../../src/extension/config';
import { EXTENSION_ID, EXTENSION_ROOT, activateExtension } from './helpers';

describe('activation', () => {
  it('activates and hands out its services', async () => {
    const api = await activateExtension();
    assert.ok(vscode.extensions.getExtension(EXTENSION_ID)?.isActive);
    assert.equal(api.services.runner.current, undefined);
    // The report store answers: nothing for a model it has never seen, and a list of what it has.
    assert.equal(api.services.reports.latestFor(path.join(EXTENSION_ROOT, 'no-such-model', 'model.json')), undefined);
    assert.ok(Array.isArray(api.services.reports.all()));
    assert.equal(api.services.output.name, 'Backdoor Cleanse');
  });

  it('registers every command the manifest contributes', async () => {
    await activateExtension();
    const manifest = JSON.parse(fs.readFileSync(path.join(EXTENSION_ROOT, 'package.json'), 'utf8'));
    const contributed: string[] = manifest.contributes.commands.map((c: { command: string }) => c.command);
    assert.ok(contributed.length >= 9);
    const registered = new Set(await vscode.commands.getCommands(true));
    assert.deepEqual(contributed.filter((id) => !registered.has(id)), []);
  });

  it('reads the contributed settings with their defaults', async () => {
    const api = await activateExtension();
    assert.deepEqual(api.services.config(), DEFAULT_CONFIG);
    const inspected = vscode.workspace.getConfiguration('backdoorCleanse').inspect('outputFolder');
    assert.equal(inspected?.defaultValue, '${modelDir}-cleansed');
  });

  it('says "no job is running" when asked to cancel while idle', async () => {
    await activateExtension();
    assert.equal(await vscode.commands.executeCommand('backdoorCleanse.cancelJob'), undefined);
  });
});
