/** Choosing the model a command works on: the argument, else a picker; TF.js model.json or ONNX files. */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { RecentChoices } from '../recentChoices';
import { pickPath } from './pickPath';

export async function chooseModel(recent: RecentChoices, given: string | undefined, title: string): Promise<string | undefined> {
  const model = given ?? (await pickPath(recent, { kind: 'model', title, openLabel: 'Use this model', folders: false, filters: { 'Models (TF.js model.json, ONNX)': ['json', 'onnx'] } }));
  if (!model) return undefined;
  if (!['.json', '.onnx'].includes(path.extname(model).toLowerCase())) {
    void vscode.window.showErrorMessage(
      `Backdoor Cleanse works on TF.js LayersModel files (model.json) and ONNX files (.onnx), not ${path.basename(model)}. ` +
        'Export a PyTorch model with `torch.onnx.export(model, x, "model.onnx")`, or convert a Keras model with `tensorflowjs_converter --input_format keras model.h5 out/`.',
    );
    return undefined;
  }
  if (given) await recent.remember('model', model);
  return path.resolve(model);
}
