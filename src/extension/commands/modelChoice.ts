/** Choosing the model a command works on: the argument, else a picker; only TF.js model.json files. */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { RecentChoices } from '../recentChoices';
import { pickPath } from './pickPath';

export async function chooseModel(recent: RecentChoices, given: string | undefined, title: string): Promise<string | undefined> {
  const model = given ?? (await pickPath(recent, { kind: 'model', title, openLabel: 'Use this model', folders: false, filters: { 'TF.js LayersModel': ['json'] } }));
  if (!model) return undefined;
  if (path.extname(model).toLowerCase() !== '.json') {
    void vscode.window.showErrorMessage(
      `Backdoor Cleanse works on TF.js LayersModel files (model.json), not ${path.basename(model)}. ` +
        'Convert a Keras model with `tensorflowjs_converter --input_format keras model.h5 out/` first.',
    );
    return undefined;
  }
  if (given) await recent.remember('model', model);
  return path.resolve(model);
}
