/**
 * The size images have on disk, for the attack lab (which builds a model for the data rather than
 * adapting the data to a model): IDX rows x cols x 1; a folder's first decodable image.
 */
import * as fs from 'fs/promises';
import * as path from 'path';
import { InputError } from '../errors';
import { decodeImage } from './decodeImage';
import { looksLikeIdxName, readIdxHeader } from './idxFile';
import { scanFolder } from './scanFolder';
import type { ImageShape } from './types';

export async function nativeImageShape(dataPath: string): Promise<ImageShape> {
  const stat = await fs.stat(dataPath).catch(() => null);
  if (!stat) throw new InputError(`${dataPath} does not exist. Pass a folder of images or an IDX images file.`, dataPath);
  if (stat.isFile() && looksLikeIdxName(dataPath)) {
    const idx = await readIdxHeader(dataPath);
    if (idx.dims.length !== 3) throw new InputError(`${dataPath}: an IDX images file has 3 dimensions (count, rows, cols), this one has ${idx.dims.length}.`, dataPath);
    return { height: idx.dims[1], width: idx.dims[2], channels: 1 };
  }
  if (stat.isDirectory()) {
    const scan = await scanFolder(dataPath);
    for (const file of scan.files) {
      try {
        const image = decodeImage(await fs.readFile(path.join(dataPath, file)));
        return { height: image.height, width: image.width, channels: image.channels };
      } catch {
        // undecodable: try the next one
      }
    }
    throw new InputError(`${dataPath} holds no decodable PNG/JPEG image.`, dataPath);
  }
  throw new InputError(`${dataPath} is neither a folder nor an IDX images file.`, dataPath);
}
