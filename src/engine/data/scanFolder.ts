/**
 * Finds the image files under a folder, recursively, in a deterministic order (sorted relative
 * paths), skipping hidden entries. Only lists; decoding happens in folderSource.
 */
import * as fs from 'fs/promises';
import * as path from 'path';
import { InputError } from '../errors';
import { compareCodeUnits } from './codeUnitOrder';

const IMAGE_EXTENSIONS = new Set(['.png', '.jpg', '.jpeg']);

export interface FolderScan {
  /** Image files relative to the root, '/'-separated, sorted. */
  files: string[];
  /** The root's immediate non-hidden subfolders, sorted. */
  subfolders: string[];
  /** Images lying directly in the root (not in a subfolder). */
  rootImages: number;
}

export function isImageFileName(name: string): boolean {
  return IMAGE_EXTENSIONS.has(path.extname(name).toLowerCase());
}

/** Dot-files (.DS_Store, ._x.jpg) and the __MACOSX folder zip tools leave behind. */
export function isHiddenName(name: string): boolean {
  return name.startsWith('.') || name === '__MACOSX';
}

export async function scanFolder(root: string): Promise<FolderScan> {
  const files: string[] = [];
  const subfolders: string[] = [];
  // Real paths of folders already walked, so symlink loops end.
  const visited = new Set<string>();

  async function walk(dir: string, relative: string): Promise<void> {
    const real = await fs.realpath(dir);
    if (visited.has(real)) return;
    visited.add(real);
    let entries;
    try {
      entries = await fs.readdir(dir, { withFileTypes: true });
    } catch (err) {
      throw new InputError(`Cannot read the folder ${dir} (${(err as Error).message}); fix its permissions or move it out of ${root}.`, dir);
    }
    for (const entry of entries) {
      if (isHiddenName(entry.name)) continue;
      const full = path.join(dir, entry.name);
      const rel = relative ? `${relative}/${entry.name}` : entry.name;
      let isDir = entry.isDirectory();
      let isFile = entry.isFile();
      if (entry.isSymbolicLink()) {
        const target = await fs.stat(full).catch(() => null); // a dangling link is ignored
        isDir = target?.isDirectory() ?? false;
        isFile = target?.isFile() ?? false;
      }
      if (isDir) {
        if (!relative) subfolders.push(entry.name);
        await walk(full, rel);
      } else if (isFile && isImageFileName(entry.name)) {
        files.push(rel);
      }
    }
  }

  await walk(root, '');
  files.sort(compareCodeUnits);
  subfolders.sort(compareCodeUnits);
  const rootImages = files.filter((f) => !f.includes('/')).length;
  return { files, subfolders, rootImages };
}
