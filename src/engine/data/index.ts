/**
 * Opening the user's images: a folder of PNG/JPEG images or an IDX file, chosen by what the path is.
 */
import * as fs from 'fs/promises';
import { InputError } from '../errors';
import { openFolderSource } from './folderSource';
import { looksLikeIdxName } from './idxFile';
import { openIdxSource } from './idxSource';
import type { ImageSource, OpenOptions } from './types';

export type { BatchOptions, ImageBatch, ImageShape, ImageSource, OpenOptions, Scaling } from './types';
export { memorySource } from './memorySource';
export { normalize, parseScaling } from './normalize';
export type { FolderImageSource, SkippedFile } from './folderSource';

const WHAT_TO_PASS = 'Pass a folder of PNG/JPEG images (one subfolder per class for evaluation) or an IDX images file (*-images-idx3-ubyte or .gz).';

export async function openImageSource(path: string, options: OpenOptions): Promise<ImageSource> {
  const stat = await fs.stat(path).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT' || err.code === 'ENOTDIR') throw new InputError(`${path} does not exist. ${WHAT_TO_PASS}`, path);
    throw new InputError(`Cannot open ${path} (${err.message}). Check its permissions.`, path);
  });
  if (stat.isDirectory()) return openFolderSource(path, options);
  if (stat.isFile() && (looksLikeIdxName(path) || (await startsLikeIdx(path)))) return openIdxSource(path, options);
  throw new InputError(`${path} is neither a folder nor an IDX images file. ${WHAT_TO_PASS}`, path);
}

/** IDX files renamed by the user: gzip, or the 00 00 08 magic. */
async function startsLikeIdx(path: string): Promise<boolean> {
  const handle = await fs.open(path, 'r').catch((err: NodeJS.ErrnoException) => {
    throw new InputError(`${path} cannot be read (${err.code ?? err.message}); check its permissions.`, path);
  });
  try {
    const head = Buffer.alloc(3);
    const { bytesRead } = await handle.read(head, 0, 3, 0);
    if (bytesRead < 3) return false;
    return (head[0] === 0x1f && head[1] === 0x8b) || (head[0] === 0 && head[1] === 0 && head[2] === 0x08);
  } finally {
    await handle.close();
  }
}
