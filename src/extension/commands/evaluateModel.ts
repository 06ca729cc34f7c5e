/**
 * "Backdoor Cleanse: Evaluate Model…": ACC on a labeled folder (one subfolder per class), ASR/RA
 * with an optional trigger spec. The engine writes the run record into the extension's storage
 * (never beside the user's files), so the model's CodeLens and explorer badge show the figures. Arguments: (model?, options?: Partial<EvaluateParams>).
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { EvaluateParams, EvaluateResult } from '../../shared/protocol';
import { percent } from '../annotations/format';
import { RecentChoices } from '../recentChoices';
import type { Services } from '../services';
import { ensureTrusted } from '../trust';
import { optionsArg, pathArg } from './commandArgs';
import { chooseModel } from './modelChoice';
import { pickPath } from './pickPath';
import { noticeIfQueued } from './queueNotice';

export const EVALUATE_MODEL_COMMAND = 'backdoorCleanse.evaluateModel';
const NO_TRIGGER = '';

export function registerEvaluateModel(services: Services): vscode.Disposable {
  return vscode.commands.registerCommand(EVALUATE_MODEL_COMMAND, (target?: unknown, options?: unknown) => evaluateModel(services, target, options));
}

export async function evaluateModel(services: Services, target: unknown, rawOptions: unknown): Promise<EvaluateResult | undefined> {
  if (!ensureTrusted()) return undefined;
  const options = optionsArg<EvaluateParams>(rawOptions);
  const recent = new RecentChoices(services.context.globalState);
  const model = await chooseModel(recent, pathArg(target) ?? options.model, 'Evaluate: the model (model.json)');
  if (!model) return undefined;
  const data =
    options.data ??
    (await pickPath(recent, { kind: 'labeledData', title: 'Evaluate: labeled images (one subfolder per class, or an IDX file)', openLabel: 'Use these images', folders: true }));
  if (!data) return undefined;
  let trigger = options.trigger;
  if (!('trigger' in options)) {
    const picked = await pickPath(recent, {
      kind: 'trigger',
      title: 'Evaluate: a trigger spec for ASR and RA (optional)',
      openLabel: 'Use this trigger',
      folders: false,
      filters: { 'Trigger spec': ['json'] },
      extra: [{ label: 'No trigger', detail: 'accuracy only', value: NO_TRIGGER }],
    });
    if (picked === undefined) return undefined; // the picker was dismissed
    trigger = picked || undefined;
  }

  const config = services.config();
  const storage = (services.context.storageUri ?? services.context.globalStorageUri).fsPath;
  const params: EvaluateParams = {
    backend: config.backend,
    ...(config.limit > 0 ? { limit: config.limit } : {}),
    ...options,
    model,
    data: path.resolve(data),
    trigger: trigger ? path.resolve(trigger) : undefined,
    recordsDir: path.join(storage, 'evaluations'),
  };
  const job = services.runner.start({ kind: 'evaluate', params });
  noticeIfQueued(services.runner, job);
  let result: EvaluateResult;
  try {
    result = (await job.result) as EvaluateResult;
  } catch {
    return undefined;
  }
  // Added here too (adding is idempotent), so the CodeLens shows the figures when the command returns.
  if (result.report) await services.reports.add(result.report);
  const figures = [`ACC ${percent(result.acc)}`, ...(typeof result.asr === 'number' ? [`ASR ${percent(result.asr)}`, `RA ${percent(result.ra)}`] : [])].join(', ');
  void vscode.window.showInformationMessage(`Backdoor Cleanse: ${path.basename(path.dirname(model))}/model.json: ${figures} (${result.n} images)`);
  return result;
}
