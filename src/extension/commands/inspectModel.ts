/** "Backdoor Cleanse: Inspect Model Layers": the layers and default schedule in a new markdown document. */
import * as vscode from 'vscode';
import type { InspectResult } from '../../shared/protocol';
import { inspectMarkdown } from '../inspectMarkdown';
import { RecentChoices } from '../recentChoices';
import type { Services } from '../services';
import { ensureTrusted } from '../trust';
import { pathArg } from './commandArgs';
import { chooseModel } from './modelChoice';
import { noticeIfQueued } from './queueNotice';

export const INSPECT_MODEL_COMMAND = 'backdoorCleanse.inspectModel';
/** The explorer's "Inspect layers" on a model.json. */
export const INSPECT_FROM_EXPLORER_COMMAND = 'backdoorCleanse.explorer.inspect';

export function registerInspectModel(services: Services): vscode.Disposable {
  return vscode.Disposable.from(
    vscode.commands.registerCommand(INSPECT_MODEL_COMMAND, (target?: unknown) => inspectModel(services, target)),
    vscode.commands.registerCommand(INSPECT_FROM_EXPLORER_COMMAND, (target?: unknown) => inspectModel(services, target)),
  );
}

/** Resolves with the new document (undefined when cancelled or failed). */
export async function inspectModel(services: Services, target: unknown): Promise<vscode.TextDocument | undefined> {
  if (!ensureTrusted()) return undefined;
  const model = await chooseModel(new RecentChoices(services.context.globalState), pathArg(target), 'Inspect: the model (model.json)');
  if (!model) return undefined;
  const job = services.runner.start({ kind: 'inspect', params: { model, backend: services.config().backend } });
  noticeIfQueued(services.runner, job);
  let result: InspectResult;
  try {
    result = (await job.result) as InspectResult;
  } catch {
    return undefined;
  }
  const document = await vscode.workspace.openTextDocument({ language: 'markdown', content: inspectMarkdown(result) });
  await vscode.window.showTextDocument(document, { preview: false });
  return document;
}
