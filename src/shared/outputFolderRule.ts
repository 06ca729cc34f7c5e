/**
 * Which folders a job may write its results to (and, with --force, replace). One rule, used by the
 * engine (which enforces it on real paths, see src/engine/run/outputDir.ts) and by the extension (which
 * checks the folder it computed before starting a job). Pure: paths in, a reason out.
 *
 * Never an output folder: an empty path, a filesystem root, the current directory or a folder
 * holding it, a home directory or a folder holding it, and any folder that is, holds or lies
 * inside an input (model folder, data, evaluation data, trigger spec and its image). Replacing an
 * existing folder with --force is further limited to folders that Backdoor Cleanse wrote, told by
 * the marker file below (docs/bad-input.md).
 */
import * as path from 'node:path';

/** Written last into every output folder; lists the files the job wrote. */
export const OUTPUT_MARKER_FILE = '.backdoor-cleanse-output.json';

export interface OutputMarker {
  tool: 'backdoor-cleanse';
  /** Paths relative to the output folder, '/'-separated, the marker itself left out. */
  files: string[];
}

export interface OutputInput {
  /** For messages: "the input model's folder /m (--model)", "the --data folder /d". */
  what: string;
  /** Absolute path (the engine passes real paths, symlinks resolved). */
  path: string;
  /** True for a folder (the model's folder, a data folder). */
  isFolder?: boolean;
  /** A better example folder than the default sibling "cleansed-model". */
  suggestion?: string;
}

export interface OutputFolderFacts {
  /** The output folder exactly as given (may be empty). */
  given: string;
  /** Its absolute path (real path where it exists). */
  resolved: string;
  /** The current directory and the home directory (absolute; home null when unknown). */
  cwd: string;
  home: string | null;
  inputs: readonly OutputInput[];
  /** The flag that names the folder in messages (default --out). */
  flag?: string;
}

/** Null when `resolved` may be written to; otherwise a one-line reason naming the flag and what to do. */
export function outputFolderRefusal(facts: OutputFolderFacts): string | null {
  const flag = facts.flag ?? '--out';
  if (facts.given.trim() === '') {
    return `${flag} is empty (an unset shell variable?); name a new folder for the results, e.g. ${flag} cleansed-model.`;
  }
  const target = facts.resolved;
  const example = (base: string) => `e.g. ${flag} ${path.join(base, 'cleansed-model')}`;
  if (path.dirname(target) === target) return `${flag} ${target} is the root of a filesystem; choose a new folder for the results.`;
  if (samePath(target, facts.cwd)) return `${flag} ${target} is the current directory; choose a new folder inside it, ${example(target)}.`;
  if (isInside(facts.cwd, target)) {
    return `${flag} ${target} holds the current directory ${facts.cwd}; choose a new folder instead, ${example(facts.cwd)}.`;
  }
  if (facts.home !== null) {
    if (samePath(target, facts.home)) return `${flag} ${target} is your home directory; choose a new folder inside it, ${example(target)}.`;
    if (isInside(facts.home, target)) {
      return `${flag} ${target} holds your home directory ${facts.home}; choose a new folder instead, ${example(facts.home)}.`;
    }
  }
  for (const input of facts.inputs) {
    const folder = input.isFolder ? input.path : path.dirname(input.path);
    const instead = `e.g. ${flag} ${input.suggestion ?? path.join(path.dirname(folder), 'cleansed-model')}`;
    if (samePath(target, input.path)) {
      return `${flag} ${target} is ${input.what}; writing there would overwrite it. Choose a new folder, ${instead}`;
    }
    if (isInside(input.path, target)) {
      return `${flag} ${target} holds ${input.what}; replacing it would delete that input. Choose a folder that does not hold it, ${instead}`;
    }
    if (isInside(target, input.path)) {
      return `${flag} ${target} lies inside ${input.what}; keep the results apart from the inputs. Choose a folder outside it, ${instead}`;
    }
  }
  return null;
}

/** The files of a folder (relative, '/'-separated) that the marker does not list: empty when all are ours. */
export function filesNotWrittenByUs(entries: readonly string[], marker: OutputMarker): string[] {
  const ours = new Set(marker.files);
  const oursFolders = new Set(marker.files.flatMap((file) => parentFolders(file)));
  return entries.filter((entry) => entry !== OUTPUT_MARKER_FILE && !ours.has(entry) && !oursFolders.has(entry));
}

/** Null unless `json` is a marker this tool wrote. */
export function parseOutputMarker(json: unknown): OutputMarker | null {
  if (typeof json !== 'object' || json === null) return null;
  const { tool, files } = json as Record<string, unknown>;
  if (tool !== 'backdoor-cleanse' || !Array.isArray(files) || !files.every((f) => typeof f === 'string')) return null;
  return { tool, files: files as string[] };
}

function parentFolders(file: string): string[] {
  const parts = file.split('/');
  return parts.slice(0, -1).map((_, i) => parts.slice(0, i + 1).join('/'));
}

// Windows and macOS file systems are case-insensitive by default.
const caseInsensitive = process.platform === 'win32' || process.platform === 'darwin';

function comparable(p: string): string {
  const trimmed = p.length > 1 ? p.replace(/[\\/]+$/, '') || p : p;
  return caseInsensitive ? trimmed.toLowerCase() : trimmed;
}

export function samePath(a: string, b: string): boolean {
  return comparable(a) === comparable(b);
}

/** True when `child` lies strictly inside `parent`. */
export function isInside(child: string, parent: string): boolean {
  const relative = path.relative(comparable(parent), comparable(child));
  return relative !== '' && relative !== '..' && !relative.startsWith(`..${path.sep}`) && !path.isAbsolute(relative);
}
