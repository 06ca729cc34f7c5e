/**
 * The default output folder of a cleanse started from the panel with an empty "Output folder":
 * the `backdoorCleanse.outputFolder` template with ${modelDir}, ${modelDirName} and
 * ${workspaceFolder} filled in, and "-2", "-3"... appended while that folder exists. Pure.
 */
import * as path from 'path';

export function expandOutputTemplate(template: string, modelPath: string, workspaceFolder: string | undefined): string {
  const modelDir = path.dirname(path.resolve(modelPath));
  const expanded = template
    .replace(/\$\{modelDir\}/g, modelDir)
    .replace(/\$\{modelDirName\}/g, path.basename(modelDir))
    .replace(/\$\{workspaceFolder\}/g, workspaceFolder ?? path.dirname(modelDir));
  return path.isAbsolute(expanded) ? path.normalize(expanded) : path.resolve(workspaceFolder ?? path.dirname(modelDir), expanded);
}

export function firstFreeFolder(base: string, exists: (candidate: string) => boolean): string {
  if (!exists(base)) return base;
  for (let n = 2; n < 10000; n++) {
    const candidate = `${base}-${n}`;
    if (!exists(candidate)) return candidate;
  }
  return `${base}-${Date.now()}`;
}
