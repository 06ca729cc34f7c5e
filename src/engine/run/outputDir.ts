/**
 * Safe output folders. A job writes into a hidden temporary sibling of `--out` and the result is
 * renamed into place only when the job succeeded, so `--out` never holds a half-written model and
 * an existing folder (with --force) keeps its old contents until the new ones are complete.
 */
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { InputError } from '../errors';
import { stagingFolderName } from '../../shared/stagingFolder';

export interface PrepareOutputOptions {
  /** Folder of the model being cleansed: the output may never be it, lie inside it, or contain it. */
  inputModelDir: string;
  /** Replace an existing non-empty `outDir` (only at commit, after the job succeeded). */
  force?: boolean;
}

export interface StagedOutput {
  /** Where the result will be once committed (absolute). */
  readonly outDir: string;
  /** Where the job writes its files meanwhile: a hidden sibling of `outDir`. */
  readonly stagingDir: string;
  /** Renames the staging folder into place (replacing the old folder when forced). Once only. */
  commit(): Promise<void>;
  /** Removes the staging folder; `outDir` is left as it was. Safe to call more than once. */
  abort(): Promise<void>;
}

type StageState = 'open' | 'committing' | 'committed' | 'aborted';

export async function prepareOutput(outDir: string, options: PrepareOutputOptions): Promise<StagedOutput> {
  const target = path.resolve(outDir);
  const force = options.force === true;
  if (path.dirname(target) === target) {
    throw new InputError(`--out ${target} is the root of a filesystem; choose a folder for the cleansed model.`, target);
  }
  await refuseOverlapWithInputModel(target, options.inputModelDir);
  const existing = await describeExisting(target);
  if (existing === 'file') {
    throw new InputError(`--out ${target} exists and is a file, not a folder; choose a folder path for the cleansed model.`, target);
  }
  if (existing === 'non-empty folder' && !force) {
    throw new InputError(
      `--out ${target} already exists and is not empty. Choose a new folder, or pass --force to replace it ` +
        `(its contents are replaced only once the job has succeeded).`,
      target,
    );
  }

  const parent = path.dirname(target);
  const name = path.basename(target);
  try {
    await fs.mkdir(parent, { recursive: true });
  } catch (error) {
    throw new InputError(`cannot create the folder ${parent} for --out ${target}: ${errorMessage(error)}.`, target);
  }
  await removeStaleStagingFolders(parent, name);
  const stagingDir = path.join(parent, stagingFolderName(name, process.pid, randomSuffix()));
  try {
    await fs.mkdir(stagingDir);
  } catch (error) {
    throw new InputError(`cannot write next to --out ${target} (${errorMessage(error)}); check the folder's permissions.`, target);
  }
  return new Stage(target, stagingDir, force);
}

class Stage implements StagedOutput {
  private state: StageState = 'open';

  constructor(readonly outDir: string, readonly stagingDir: string, private readonly force: boolean) {}

  async commit(): Promise<void> {
    if (this.state !== 'open') throw new Error(`output ${this.outDir} was already ${this.state}`);
    this.state = 'committing';
    try {
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
    this.state = 'aborted';
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

async function refuseOverlapWithInputModel(target: string, inputModelDir: string): Promise<void> {
  const modelDir = await folderOf(path.resolve(inputModelDir));
  // Compare real paths so that symlinks and `..` cannot disguise the model's folder.
  const [realTarget, realModelDir] = await Promise.all([realpathAllowingMissing(target), realpathAllowingMissing(modelDir)]);
  const suggestion = `${modelDir.replace(/[\\/]+$/, '')}-cleansed`;
  if (samePath(realTarget, realModelDir)) {
    throw new InputError(
      `--out ${target} is the input model's folder; writing there would overwrite the model being cleansed. ` +
        `Choose a new folder, e.g. --out ${suggestion}`,
      target,
    );
  }
  if (isInside(realTarget, realModelDir)) {
    throw new InputError(
      `--out ${target} lies inside the input model's folder ${modelDir}; keep the output apart from the model being ` +
        `cleansed. Choose a folder outside it, e.g. --out ${suggestion}`,
      target,
    );
  }
  if (isInside(realModelDir, realTarget)) {
    throw new InputError(
      `--out ${target} contains the input model's folder ${modelDir}; replacing it would delete the model being ` +
        `cleansed. Choose a folder that does not contain the model, e.g. --out ${suggestion}`,
      target,
    );
  }
}

/** Accept the model.json path too: the caller may hand over the file instead of its folder. */
async function folderOf(modelPath: string): Promise<string> {
  const stats = await fs.stat(modelPath).catch(() => null);
  return stats?.isFile() ? path.dirname(modelPath) : modelPath;
}

type Existing = 'missing' | 'file' | 'empty folder' | 'non-empty folder';

async function describeExisting(target: string): Promise<Existing> {
  let stats;
  try {
    stats = await fs.stat(target);
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return 'missing';
    throw error;
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

// Windows and macOS file systems are case-insensitive by default.
const caseInsensitive = process.platform === 'win32' || process.platform === 'darwin';

function comparable(p: string): string {
  return caseInsensitive ? p.toLowerCase() : p;
}

function samePath(a: string, b: string): boolean {
  return comparable(a) === comparable(b);
}

function isInside(child: string, parent: string): boolean {
  const relative = path.relative(comparable(parent), comparable(child));
  return relative !== '' && relative !== '..' && !relative.startsWith(`..${path.sep}`) && !path.isAbsolute(relative);
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
