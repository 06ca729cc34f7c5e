/**
 * After the worker was killed (cancel grace expired, crash), the engine had no chance to remove its
 * staging folder. It names it `.<out name>.tmp-<worker pid>-<random>` beside `<out>` (see
 * src/engine/outputDir.ts); remove exactly the ones of that pid so no partial output remains.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';

/** Any job's staging folder name, e.g. `.out.tmp-1234-ab12cd`. */
export const STAGING_FOLDER_NAME = /^\..+\.tmp-\d+-/;

export async function removeStagingLeftovers(outDir: string, workerPid: number): Promise<string[]> {
  const parent = path.dirname(path.resolve(outDir));
  const prefix = `.${path.basename(outDir)}.tmp-${workerPid}-`;
  let names: string[];
  try {
    names = await fs.readdir(parent);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names.filter((n) => n.startsWith(prefix))) {
    const full = path.join(parent, name);
    await fs.rm(full, { recursive: true, force: true });
    removed.push(full);
  }
  return removed;
}
