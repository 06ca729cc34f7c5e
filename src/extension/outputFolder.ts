/**
 * Where a cleanse writes: the `backdoorCleanse.outputFolder` pattern expanded for one model, with
 * "-2", "-3"... appended while the folder exists, so a cleanse never replaces earlier results.
 * The folder then passes the same rule the engine enforces (src/shared/outputFolderRule.ts)
 * before a job starts, so a pattern or a typed path that names an input is refused up front.
 */
import * as os from 'node:os';
import * as path from 'node:path';
import { outputFolderRefusal, type OutputInput } from '../shared/outputFolderRule';

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

export interface OutputFolderJob {
  out: string;
  model: string;
  data?: string;
  evalData?: string;
  trigger?: string;
}

/**
 * Why the job's output folder may not be used (the output folder is, holds or lies inside an
 * input, a home directory or the workspace folder), or null. `base` plays the current directory:
 * the workspace folder, where relative paths start.
 */
export function outputFolderProblem(job: OutputFolderJob, base: string = process.cwd()): string | null {
  const inputs: OutputInput[] = [{ what: `the model's folder ${path.dirname(path.resolve(job.model))}`, path: path.dirname(path.resolve(job.model)), isFolder: true }];
  const add = (what: string, file: string | undefined) => {
    if (file) inputs.push({ what: `${what} ${path.resolve(file)}`, path: path.resolve(file) });
  };
  add('the data', job.data);
  add('the evaluation data', job.evalData);
  add('the trigger spec', job.trigger);
  return outputFolderRefusal({
    given: job.out,
    resolved: path.resolve(base, job.out),
    cwd: path.resolve(base),
    home: safeHome(),
    inputs,
    flag: 'the output folder',
  });
}

function safeHome(): string | null {
  try {
    return os.homedir() || null;
  } catch {
    return null;
  }
}
