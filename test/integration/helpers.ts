/** Shared helpers of the integration tests: the activated extension, scratch folders, waiting. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { BackdoorCleanseApi } from '../../src/extension/extension';
import { STAGING_FOLDER_NAME } from '../../src/shared/stagingFolder';

export const EXTENSION_ID = 'backdoor-cleanse.backdoor-cleanse';
/** The repository root (the extension under test): out/test/integration -> ../../.. */
export const EXTENSION_ROOT = path.resolve(__dirname, '..', '..', '..');
export const FAKE_WORKER = path.join(EXTENSION_ROOT, 'out', 'test', 'fixtures', 'fakeWorker.js');

export async function activateExtension(): Promise<BackdoorCleanseApi> {
  const extension = vscode.extensions.getExtension<BackdoorCleanseApi>(EXTENSION_ID);
  if (!extension) throw new Error(`extension ${EXTENSION_ID} is not installed in this host`);
  const api = await extension.activate();
  await api.testing.reportsReady;
  return api;
}

/** A new folder inside the workspace (so file search and watchers see it). */
export function scratchFolder(name: string): string {
  const root = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  if (!root) throw new Error('the integration tests need a workspace folder');
  const dir = path.join(root, `${name}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`);
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

export async function waitFor<T>(what: string, probe: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 60000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Entries of a folder that look like the engine's staging folders (partial output). */
export function stagingLeftovers(parent: string): string[] {
  return fs.existsSync(parent) ? fs.readdirSync(parent).filter((name) => STAGING_FOLDER_NAME.test(name)) : [];
}

export async function codeLensTitles(uri: vscode.Uri): Promise<string[]> {
  await vscode.workspace.openTextDocument(uri); // the provider command refuses documents that are not loaded
  const lenses = (await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri, 100)) ?? [];
  return lenses.map((lens) => lens.command?.title ?? '').filter(Boolean);
}
