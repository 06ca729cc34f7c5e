/**
 * Where a cleanse writes: the `backdoorCleanse.outputFolder` pattern expanded for one model, with
 * "-2", "-3"... appended while the folder exists, so a cleanse never replaces earlier results.
 */
import * as path from 'node:path';

export interface OutputFolderContext {
  modelPath: string;
  /** The workspace folder holding the model (when there is none: the folder above the model's). */
  workspaceFolder?: string;
}

export function expandOutputFolder(pattern: string, context: OutputFolderContext): string {
  const modelDir = path.dirname(path.resolve(context.modelPath));
  const variables: Record<string, string> = {
    modelDir,
    modelDirName: path.basename(modelDir),
    workspaceFolder: context.workspaceFolder ?? path.dirname(modelDir),
  };
  const expanded = pattern.replace(/\$\{(\w+)\}/g, (whole, name: string) => variables[name] ?? whole);
  // Same rules as the panel's default output folder: relative patterns start at the workspace folder.
  return path.resolve(variables.workspaceFolder, expanded);
}

export function uniqueFolder(folder: string, exists: (candidate: string) => boolean): string {
  if (!exists(folder)) return folder;
  for (let n = 2; ; n++) {
    const candidate = `${folder}-${n}`;
    if (!exists(candidate)) return candidate;
  }
}
