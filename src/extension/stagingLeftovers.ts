/**
 * After the worker was killed (cancel grace expired, crash), the engine had no chance to remove its
 * staging folder. It names it `.<out name>.tmp-<worker pid>-<random>` beside `<out>` (see
 * src/shared/stagingFolder.ts); remove exactly the ones of that pid so no partial output remains.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { stagingFolderPrefix } from '../shared/stagingFolder';


export async function removeStagingLeftovers(outDir: string, workerPid: number): Promise<string[]> {
  const parent = path.dirname(path.resolve(outDir));
  const prefix = stagingFolderPrefix(path.basename(outDir), workerPid);
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
