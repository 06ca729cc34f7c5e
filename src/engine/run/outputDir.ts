/**
 * Safe output folders. A job writes into a hidden temporary sibling of `--out` and the result is
 * renamed into place only when the job succeeded, so `--out` never holds a half-written model and
 * an existing folder (with --force) keeps its old contents until the new ones are complete.
 *
 * What may be an output folder at all is the shared rule (src/shared/outputFolderRule.ts), checked
 * here on real paths. --force replaces only a folder this tool wrote: one whose marker file
 * (written last into every output) lists every file in it. docs/bad-input.md has the catalogue.
 */
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  filesNotWrittenByUs,
  isInside,
  OUTPUT_MARKER_FILE,
  outputFolderRefusal,
  parseOutputMarker,
  type OutputInput,
  type OutputMarker,
} from '../../shared/outputFolderRule';
import { InputError } from '../errors';
import { loadTriggerSpec } from '../triggers/spec';
import { stagingFolderName } from '../../shared/stagingFolder';

/** The inputs of a job, as the user passed them; --out may not be, hold or lie inside any of them. */
export interface JobInputPaths {
  /** model.json or its folder: the whole folder counts (the weight shards live there). */
  model?: string;
  data?: string;
  evalData?: string;
  /** The trigger spec; the image it names counts too. */
  trigger?: string;
}

export interface PrepareOutputOptions extends JobInputPaths {
  /** Folder (or model.json) of the model being cleansed; the same as `model`. */
  inputModelDir?: string;
  /** Replace an existing non-empty `outDir` that this tool wrote (only at commit, after the job succeeded). */
  force?: boolean;
}

export interface StagedOutput {
  /** Where the result will be once committed (absolute). */
  readonly outDir: string;
  /** Where the job writes its files meanwhile: a hidden sibling of `outDir`. */
  readonly stagingDir: string;
  /** Writes the marker, then renames the staging folder into place (replacing the old folder when forced). Once only. */
  commit(): Promise<void>;
  /** Removes the staging folder and the parent folders prepareOutput created; `outDir` is left as it was. Safe to call more than once. */
  abort(): Promise<void>;
  /** A disk-full or permission error while writing the output, as an InputError naming --out; other errors unchanged. */
  explain(error: unknown): unknown;
}

type StageState = 'open' | 'committing' | 'committed' | 'aborted';

export async function prepareOutput(outDir: string, options: PrepareOutputOptions): Promise<StagedOutput> {
  const target = path.resolve(outDir);
  const force = options.force === true;
  const realTarget = await realpathAllowingMissing(target);
  const refusal = outputFolderRefusal({
    given: outDir,
    resolved: realTarget,
    cwd: await realpathAllowingMissing(process.cwd()),
    home: await homeDirectory(),
    inputs: await describeInputs({ ...options, model: options.model ?? options.inputModelDir }),
  });
  if (refusal !== null) throw new InputError(refusal, target);
  const existing = await describeExisting(target);
  if (existing === 'file') {
    throw new InputError(`--out ${target} exists and is a file, not a folder; choose a folder path for the cleansed model.`, target);
  }
  if (existing === 'non-empty folder') {
    if (!force) {
      throw new InputError(
        `--out ${target} already exists and is not empty. Choose a new folder, or pass --force to replace it ` +
          `(only a folder Backdoor Cleanse wrote, and only once the job has succeeded).`,
        target,
      );
    }
    await assertWrittenByUs(target);
  }

  const parent = path.dirname(target);
  const name = path.basename(target);
  let createdTop: string | undefined;
  try {
    createdTop = await fs.mkdir(parent, { recursive: true });
  } catch (error) {
    throw new InputError(`cannot create the folder ${parent} for --out ${target} (${errorMessage(error)}); choose a folder you can write to.`, target);
  }
  const created = createdTop === undefined ? [] : foldersFromTo(createdTop, parent);
  await removeStaleStagingFolders(parent, name);
  const stagingDir = path.join(parent, stagingFolderName(name, process.pid, randomSuffix()));
  try {
    await fs.mkdir(stagingDir);
  } catch (error) {
    await removeEmptyFolders(created);
    throw new InputError(`cannot write next to --out ${target} (${errorMessage(error)}); check the folder's permissions.`, target);
  }
  return new Stage(target, stagingDir, force, created);
}

/** Input paths made real (symlinks resolved), with how to name each in a message. */
async function describeInputs(paths: JobInputPaths): Promise<OutputInput[]> {
  const inputs: OutputInput[] = [];
  if (paths.model) {
    const modelDir = await folderOf(path.resolve(paths.model));
    inputs.push({
      what: `the input model's folder ${modelDir} (--model)`,
      path: await realpathAllowingMissing(modelDir),
      isFolder: true,
      suggestion: `${modelDir.replace(/[\\/]+$/, '')}-cleansed`,
    });
  }
  const add = async (flag: string, given: string | undefined) => {
    if (!given) return;
    const real = await realpathAllowingMissing(path.resolve(given));
    const isFolder = (await fs.stat(real).catch(() => null))?.isDirectory() === true;
    inputs.push({ what: `the ${flag} ${isFolder ? 'folder' : 'file'} ${path.resolve(given)}`, path: real, isFolder });
  };
  await add('--data', paths.data);
  await add('--eval-data', paths.evalData);
  await add('--trigger', paths.trigger);
  if (paths.trigger) {
    // A spec that cannot be read fails later with its own message; here only its image matters.
    const spec = await loadTriggerSpec(paths.trigger).catch(() => null);
    const image = spec !== null && 'image' in spec && typeof spec.image === 'string' ? spec.image : undefined;
    if (image) inputs.push({ what: `the image ${image} of --trigger`, path: await realpathAllowingMissing(image) });
  }
  return inputs;
}

async function homeDirectory(): Promise<string | null> {
  let home: string;
  try {
    home = os.homedir();
  } catch {
    return null;
  }
  return home ? realpathAllowingMissing(path.resolve(home)) : null;
}

/**
 * --force replaces only what we wrote: the marker must be ours and list every file in the folder.
 * A folder from a version before the marker is recognized by its run record instead.
 */
async function assertWrittenByUs(target: string): Promise<void> {
  let marker: OutputMarker | null = null;
  try {
    marker = parseOutputMarker(JSON.parse(await fs.readFile(path.join(target, OUTPUT_MARKER_FILE), 'utf8')));
  } catch {
    marker = await markerOfEarlierVersion(target);
  }
  if (marker === null) {
    throw new InputError(
      `--out ${target} was not written by Backdoor Cleanse (it has no ${OUTPUT_MARKER_FILE}), so --force will not replace it. ` +
        `Choose a new folder, or empty it yourself if you are sure.`,
      target,
    );
  }
  const foreign = filesNotWrittenByUs(await listFolder(target), marker);
  if (foreign.length > 0) {
    const shown = foreign.slice(0, 3).join(', ') + (foreign.length > 3 ? `, ... (${foreign.length} in all)` : '');
    throw new InputError(
      `--out ${target} holds files Backdoor Cleanse did not write (${shown}), so --force will not replace it. ` +
        `Choose a new folder, or move those files out first.`,
      target,
    );
  }
}

/**
 * Outputs written before the marker existed: a report.json whose tool is ours; what such a run
 * wrote is report.json, model.json, the weight shards model.json lists and the suspect-trigger image.
 */
async function markerOfEarlierVersion(target: string): Promise<OutputMarker | null> {
  try {
    const report = JSON.parse(await fs.readFile(path.join(target, 'report.json'), 'utf8')) as { tool?: { name?: unknown } };
    if (report?.tool?.name !== 'backdoor-cleanse') return null;
    const files = ['report.json', 'suspect-trigger.png'];
    const modelJson = await fs.readFile(path.join(target, 'model.json'), 'utf8').catch(() => null);
    if (modelJson !== null) {
      files.push('model.json');
      const manifest = (JSON.parse(modelJson) as { weightsManifest?: { paths?: unknown[] }[] }).weightsManifest ?? [];
      for (const group of manifest) for (const shard of group.paths ?? []) if (typeof shard === 'string' && !shard.includes('..')) files.push(shard);
    }
    return { tool: 'backdoor-cleanse', files };
  } catch {
    return null;
  }
}

/** Every entry below `dir` (files, folders, links), relative and '/'-separated. */
async function listFolder(dir: string): Promise<string[]> {
  const result: string[] = [];
  const walk = async (relative: string) => {
    for (const entry of await fs.readdir(path.join(dir, relative), { withFileTypes: true })) {
      const name = relative === '' ? entry.name : `${relative}/${entry.name}`;
      result.push(name);
      if (entry.isDirectory()) await walk(name);
    }
  };
  await walk('');
  return result;
}

async function writeMarker(stagingDir: string): Promise<void> {
  const files: string[] = [];
  const entries = await listFolder(stagingDir);
  for (const entry of entries) {
    if ((await fs.lstat(path.join(stagingDir, entry))).isDirectory()) continue;
    if (entry !== OUTPUT_MARKER_FILE) files.push(entry);
  }
  const marker: OutputMarker = { tool: 'backdoor-cleanse', files: files.sort() };
  await writeFileAtomic(path.join(stagingDir, OUTPUT_MARKER_FILE), JSON.stringify(marker, null, 2) + '\n');
}

/** `top` and every folder below it down to `bottom`, deepest first. */
function foldersFromTo(top: string, bottom: string): string[] {
  const folders: string[] = [];
  for (let current = bottom; ; current = path.dirname(current)) {
    folders.push(current);
    if (current === top || path.dirname(current) === current || !isInside(current, top)) break;
  }
  return folders;
}

/** Removes the folders (deepest first) while they are empty; the first non-empty one stops it. */
async function removeEmptyFolders(folders: readonly string[]): Promise<void> {
  for (const folder of folders) {
    try {
      await fs.rmdir(folder);
    } catch {
      return;
    }
  }
}

class Stage implements StagedOutput {
  private state: StageState = 'open';

  constructor(
    readonly outDir: string,
    readonly stagingDir: string,
    private readonly force: boolean,
    /** Parent folders prepareOutput created, deepest first: a failed job removes them again. */
    private readonly createdParents: readonly string[],
  ) {}

  async commit(): Promise<void> {
    if (this.state !== 'open') throw new Error(`output ${this.outDir} was already ${this.state}`);
    this.state = 'committing';
    try {
      await writeMarker(this.stagingDir);
      await this.moveIntoPlace();
      this.state = 'committed';
    } catch (error) {
      // Leave the staging folder for abort(): the caller decides whether to keep or drop it.
      this.state = 'open';
      throw error;
    }
  }

  async abort(): Promise<void> {
    if (this.state === 'committed' || this.state === 'aborted') return;
    await fs.rm(this.stagingDir, { recursive: true, force: true });
    await removeEmptyFolders(this.createdParents);
    this.state = 'aborted';
  }

  explain(error: unknown): unknown {
    const code = errorCode(error);
    if (code === undefined || error instanceof InputError) return error;
    const reason = WRITE_FAILURES[code];
    if (reason === undefined) return error;
    // The engine writes nothing but the output, so a full disk is the output's; a permission error only when it names it.
    const failedPath = (error as NodeJS.ErrnoException).path;
    const aboutOutput = failedPath !== undefined && (failedPath.startsWith(this.stagingDir) || path.resolve(failedPath) === this.outDir);
    if ((code === 'EACCES' || code === 'EPERM') && !aboutOutput) return error;
    const [cause, advice] = reason;
    return new InputError(`cannot write the results to --out ${this.outDir}: ${cause} (${code}); nothing was written. ${advice}`, this.outDir);
  }

  private async moveIntoPlace(): Promise<void> {
    const existing = await describeExisting(this.outDir);
    if (existing === 'missing') {
      await fs.rename(this.stagingDir, this.outDir);
      return;
    }
    if (existing === 'empty folder') {
      // rename() over an empty folder works on POSIX but not on Windows: remove it first.
      await fs.rmdir(this.outDir);
      await fs.rename(this.stagingDir, this.outDir);
      return;
    }
    if (!this.force) {
      throw new InputError(
        `--out ${this.outDir} was created by something else while the job ran; nothing was replaced. ` +
          `Choose a new folder, or pass --force to replace it.`,
        this.outDir,
      );
    }
    // It may have changed since prepareOutput looked: check again that it is ours.
    await assertWrittenByUs(this.outDir);
    // Move the old output aside, put the new one in place, and only then delete the old one.
    const aside = path.join(path.dirname(this.outDir), `.${path.basename(this.outDir)}.old-${process.pid}-${randomSuffix()}`);
    await fs.rename(this.outDir, aside);
    try {
      await fs.rename(this.stagingDir, this.outDir);
    } catch (error) {
      await fs.rename(aside, this.outDir).catch(() => undefined);
      throw error;
    }
    // The new output is in place; failing to delete the hidden old copy must not fail the job.
    await fs.rm(aside, { recursive: true, force: true }).catch(() => undefined);
  }
}

/** Writes a file so that readers see either the old file or the complete new one, never a part. */
export async function writeFileAtomic(filePath: string, data: string | Uint8Array): Promise<void> {
  const target = path.resolve(filePath);
  const temp = path.join(path.dirname(target), stagingFolderName(path.basename(target), process.pid, randomSuffix()));
  try {
    const handle = await fs.open(temp, 'wx');
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fs.rename(temp, target);
  } catch (error) {
    await fs.rm(temp, { force: true }).catch(() => undefined);
    throw error;
  }
}

/** Accept the model.json path too: the caller may hand over the file instead of its folder. */
async function folderOf(modelPath: string): Promise<string> {
  const stats = await fs.stat(modelPath).catch(() => null);
  return stats?.isFile() ? path.dirname(modelPath) : modelPath;
}

/** The nearest ancestor of `target` that is a file (why creating `target` fails with ENOTDIR). */
async function fileAbove(target: string): Promise<string | null> {
  for (let current = path.dirname(target); path.dirname(current) !== current; current = path.dirname(current)) {
    const stats = await fs.stat(current).catch(() => null);
    if (stats?.isFile()) return current;
  }
  return null;
}

/** Errors while writing the output that the user can fix, with words for them. */
const WRITE_FAILURES: Readonly<Record<string, readonly [cause: string, advice: string]>> = {
  ENOSPC: ['the disk is full', 'Free some space or choose --out on another disk.'],
  EDQUOT: ['the disk quota is used up', 'Free some space or choose --out on another disk.'],
  EROFS: ['the file system is read-only', 'Choose --out on a writable disk.'],
  EACCES: ['permission denied', 'Choose a folder you can write to.'],
  EPERM: ['operation not permitted', 'Choose a folder you can write to.'],
};

type Existing = 'missing' | 'file' | 'empty folder' | 'non-empty folder';

async function describeExisting(target: string): Promise<Existing> {
  let stats;
  try {
    stats = await fs.stat(target);
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return 'missing';
    if (errorCode(error) === 'ENOTDIR') {
      const blocker = await fileAbove(target);
      throw new InputError(`--out ${target} lies below ${blocker ?? 'a file'}, which is a file, not a folder; choose a folder path for the results.`, target);
    }
    throw new InputError(`cannot look at --out ${target} (${errorMessage(error)}); check its permissions or choose another folder.`, target);
  }
  if (!stats.isDirectory()) return 'file';
  return (await fs.readdir(target)).length === 0 ? 'empty folder' : 'non-empty folder';
}

/** Real path of the deepest existing ancestor, joined with the not-yet-existing rest. */
async function realpathAllowingMissing(target: string): Promise<string> {
  const missingTail: string[] = [];
  let current = target;
  for (;;) {
    try {
      return path.join(await fs.realpath(current), ...missingTail);
    } catch (error) {
      const code = errorCode(error);
      const parent = path.dirname(current);
      if ((code !== 'ENOENT' && code !== 'ENOTDIR') || parent === current) return target;
      missingTail.unshift(path.basename(current));
      current = parent;
    }
  }
}

/** Staging folders left by a crashed run (its process is gone) of the same output name. */
async function removeStaleStagingFolders(parent: string, name: string): Promise<void> {
  const prefix = `.${name}.tmp-`;
  let entries: string[];
  try {
    entries = await fs.readdir(parent);
  } catch {
    return;
  }
  for (const entry of entries) {
    if (!entry.startsWith(prefix)) continue;
    const match = /^(\d+)-[0-9a-f]+$/.exec(entry.slice(prefix.length));
    if (match === null || isProcessAlive(Number(match[1]))) continue;
    await fs.rm(path.join(parent, entry), { recursive: true, force: true }).catch(() => undefined);
  }
}

function isProcessAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return errorCode(error) === 'EPERM';
  }
}

function randomSuffix(): string {
  return randomBytes(4).toString('hex');
}

function errorCode(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | null)?.code;
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
