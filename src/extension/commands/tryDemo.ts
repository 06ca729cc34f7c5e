/**
 * "Backdoor Cleanse: Try on a Demo Model": the worker makes, in a new folder of the workspace, a
 * small model with a BadNets backdoor and the image folders a cleanse needs (engine/demoSetup.ts;
 * progress and Cancel in the notification, nothing left after a cancel), then the panel opens
 * with every field filled in, so the first cleanse needs no files of the user's.
 * Arguments (tests, walkthrough links): (options?: { folder?: string; sizes?: DemoSetupParams['sizes'] }).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { DemoSetupParams, DemoSetupResult } from '../../shared/protocol';
import { uniqueFolder } from '../outputFolder';
import { CleansePanel } from '../panel/cleansePanel';
import type { Services } from '../services';
import { ensureTrusted } from '../trust';
import { optionsArg } from './commandArgs';
import { noticeIfQueued } from './queueNotice';

export const TRY_DEMO_COMMAND = 'backdoorCleanse.tryDemo';
/** The demo's folder in the workspace ("-2", "-3"... when it exists: an earlier demo is never replaced). */
export const DEMO_FOLDER_NAME = 'backdoor-cleanse-demo';

export function registerTryDemo(services: Services): vscode.Disposable {
  return vscode.commands.registerCommand(TRY_DEMO_COMMAND, (options?: unknown) => tryDemo(services, options));
}

export async function tryDemo(services: Services, rawOptions: unknown): Promise<DemoSetupResult | undefined> {
  if (!ensureTrusted()) return undefined;
  const options = optionsArg<{ folder: string; sizes: DemoSetupParams['sizes'] }>(rawOptions);
  const workspace = vscode.workspace.workspaceFolders?.[0]?.uri;
  if (!options.folder && workspace?.scheme !== 'file') {
    void vscode.window.showErrorMessage('Backdoor Cleanse: open a folder first; the demo writes its model and images into the workspace.');
    return undefined;
  }
  const out = options.folder ? path.resolve(options.folder) : uniqueFolder(path.join(workspace!.fsPath, DEMO_FOLDER_NAME), fs.existsSync);
  const job = services.runner.start({ kind: 'demo', params: { out, backend: services.config().backend, ...(options.sizes ? { sizes: options.sizes } : {}) } });
  noticeIfQueued(services.runner, job);
  let result: DemoSetupResult;
  try {
    result = (await job.result) as DemoSetupResult;
  } catch {
    return undefined; // cancelled or failed: the job presentation said so, and the folder is gone
  }
  CleansePanel.showDemo(services, result);
  return result;
}
