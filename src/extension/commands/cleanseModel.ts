/**
 * "Backdoor Cleanse: Cleanse Model…": model.json and an unlabeled data folder (arguments, or
 * pickers with recent choices), settings from the configuration and output beside the model (jobSpecFrom).
 * Arguments: (model?: Uri | string, options?: Partial<CleanseParams>). Resolves with the result,
 * or undefined when cancelled or failed (failures are shown by the job presentation).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { CleanseParams, CleanseResult } from '../../shared/protocol';
import { acceptsDataWarning } from '../dataWarning';
import { jobSpecFrom } from '../jobSpecFrom';
import { RecentChoices } from '../recentChoices';
import type { Services } from '../services';
import { ensureTrusted } from '../trust';
import { optionsArg, pathArg, workspaceFolderOf } from './commandArgs';
import { chooseModel } from './modelChoice';
import { pickPath } from './pickPath';
import { noticeIfQueued } from './queueNotice';

export const CLEANSE_MODEL_COMMAND = 'backdoorCleanse.cleanseModel';
/** The explorer's "Cleanse this model" on a model.json (the same command under the menu's wording). */
export const CLEANSE_FROM_EXPLORER_COMMAND = 'backdoorCleanse.explorer.cleanse';

export function registerCleanseModel(services: Services): vscode.Disposable {
  return vscode.Disposable.from(
    vscode.commands.registerCommand(CLEANSE_MODEL_COMMAND, (target?: unknown, options?: unknown) => cleanseModel(services, target, options)),
    vscode.commands.registerCommand(CLEANSE_FROM_EXPLORER_COMMAND, (target?: unknown) => cleanseModel(services, target, undefined)),
  );
}

export async function cleanseModel(services: Services, target: unknown, rawOptions: unknown): Promise<CleanseResult | undefined> {
  if (!ensureTrusted()) return undefined;
  const options = optionsArg<CleanseParams>(rawOptions);
  const recent = new RecentChoices(services.context.globalState);
  const model = await chooseModel(recent, pathArg(target) ?? options.model, 'Cleanse: the suspicious model (model.json)');
  if (!model) return undefined;
  const data =
    options.data ??
    (await pickPath(recent, { kind: 'data', title: 'Cleanse: a folder of unlabeled images (or an IDX images file)', openLabel: 'Use these images', folders: true }));
  if (!data) return undefined;

  const choice = jobSpecFrom(services.config(), { kind: 'cleanse', params: { ...options, model, data } }, {
    absolute: (file) => path.resolve(file),
    workspaceFolderOf,
    exists: fs.existsSync,
  });
  if (!choice.ok) {
    void vscode.window.showErrorMessage(`Backdoor Cleanse: ${choice.message}`);
    return undefined;
  }
  const { spec } = choice;
  const params = spec.params as CleanseParams;
  const job = services.runner.start(spec);
  noticeIfQueued(services.runner, job);
  let result: CleanseResult;
  try {
    result = (await job.result) as CleanseResult;
  } catch (error) {
    // Asked once: the second run has the warning accepted and cannot stop at the data check again.
    if (!params.acceptDataWarning && (await acceptsDataWarning(error))) return cleanseModel(services, model, { ...options, data, acceptDataWarning: true });
    return undefined;
  }
  if (result.report) await services.reports.add(result.report);
  void vscode.window.showInformationMessage(`Backdoor Cleanse: cleansed model written to ${params.out}`, 'Open report', 'Reveal in Explorer').then((choice) => {
    if (choice === 'Open report') void vscode.commands.executeCommand('backdoorCleanse.openReport', vscode.Uri.file(result.report));
    if (choice === 'Reveal in Explorer') void vscode.commands.executeCommand('revealInExplorer', vscode.Uri.file(result.model));
  });
  return result;
}
