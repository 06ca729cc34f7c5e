/**
 * A folder of PNG/JPEG images (recursive). Labels, for evaluation only, come from class subfolders.
 *
 * Every file is decoded once at open time, so `count` and `skipped` are right before the first
 * batch, and the pixels, already adapted to the model's shape, are cached up to a byte budget
 * (1 GiB by default: 340k images of 32x32x3, 7k of 224x224x3). Images beyond the budget are read
 * and decoded again whenever a batch needs them.
 */
import * as fs from 'fs/promises';
import * as path from 'path';
import { InputError } from '../errors';
import { adaptImage } from './adaptImage';
import { CLASSES_FILE, classIndexFor } from './classIndex';
import { decodeImage } from './decodeImage';
import { checkModelShape, imageRange, rangeCount } from './imageRange';
import { sourceFromStore, type PixelStore } from './pixelStoreSource';
import { readAhead } from './readAhead';
import { scanFolder } from './scanFolder';
import type { ImageShape, ImageSource, OpenOptions } from './types';

export const DEFAULT_CACHE_BYTES = 1 << 30;

export interface FolderSourceTuning {
  /** Bytes of adapted pixels kept in memory; the rest is decoded again when needed. */
  cacheBytes?: number;
}

export interface SkippedFile {
  file: string;
  reason: string;
}

/** A folder source also says which files it skipped and why, for the report and the log. */
export interface FolderImageSource extends ImageSource {
  skippedFiles: SkippedFile[];
}

interface KeptImage {
  file: string;
  /** Adapted pixels, or null when over the cache budget. */
  pixels: Uint8Array | null;
}

export async function openFolderSource(
  root: string,
  options: OpenOptions,
  tuning: FolderSourceTuning = {},
): Promise<FolderImageSource> {
  const shape = { ...options.shape };
  checkModelShape(shape);
  const range = imageRange(options);
  const scan = await scanFolder(root);
  if (scan.files.length === 0) {
    throw new InputError(
      `${root} holds no PNG or JPEG images (subfolders searched; hidden files skipped). Put .png/.jpg/.jpeg images in it, or pass an IDX images file.`,
      root,
    );
  }

  // Class folders only when every image sits in one of the top folder's subfolders.
  const labeled = scan.rootImages === 0;
  if (options.requireLabels && !labeled) {
    throw new InputError(
      `Evaluation needs labels, but ${scan.rootImages} image(s) lie directly in ${root}. Put the images in one subfolder per class (named 0..K-1, or by class name with a ${CLASSES_FILE} listing the names in the model's class order).`,
      root,
    );
  }
  const classIndex = labeled ? classIndexFor(root, scan.subfolders, await readClassesFile(root)) : null;

  const wanted = range.skip + range.limit;
  const kept: KeptImage[] = [];
  const labels: number[] = [];
  const skippedFiles: SkippedFile[] = [];
  const imageBytes = shape.height * shape.width * shape.channels;
  let cacheLeft = tuning.cacheBytes ?? DEFAULT_CACHE_BYTES;
  let decodable = 0;
  for await (const read of readAhead(scan.files.map((f) => path.join(root, f)))) {
    if (decodable >= wanted) break; // stop decoding once the range is filled
    let pixels: Uint8Array;
    try {
      if (read.error) throw read.error;
      pixels = adaptImage(decodeImage(read.bytes), shape);
    } catch (err) {
      skippedFiles.push({ file: read.file, reason: (err as Error).message });
      continue;
    }
    decodable++;
    if (decodable <= range.skip) continue;
    const cached = cacheLeft >= imageBytes;
    if (cached) cacheLeft -= imageBytes;
    kept.push({ file: read.file, pixels: cached ? copyIfView(pixels) : null });
    if (classIndex) labels.push(classIndex.indexOf.get(topFolderOf(root, read.file))!);
  }

  if (decodable === 0) {
    const example = skippedFiles[0];
    throw new InputError(
      `None of the ${skippedFiles.length} image file(s) in ${root} could be decoded (e.g. ${example.file}: ${example.reason}). Check that they are valid PNG or JPEG images.`,
      root,
    );
  }
  rangeCount(range, decodable, root); // throws when skip leaves nothing

  const store = folderStore(kept, shape);
  const source = sourceFromStore(store, {
    path: root,
    skipped: skippedFiles.length,
    labels: classIndex ? Int32Array.from(labels) : null,
    classNames: classIndex ? classIndex.names : null,
  });
  return { ...source, skippedFiles };
}

function folderStore(kept: KeptImage[], shape: ImageShape): PixelStore {
  return {
    count: kept.length,
    shape,
    async read(index, out, offset) {
      const image = kept[index];
      if (image.pixels) {
        out.set(image.pixels, offset);
        return;
      }
      let pixels: Uint8Array;
      try {
        pixels = adaptImage(decodeImage(await fs.readFile(image.file)), shape);
      } catch (err) {
        throw new InputError(
          `${image.file} could be decoded when the images were opened but not now (${(err as Error).message}); restore it and run again.`,
          image.file,
        );
      }
      out.set(pixels, offset);
    },
  };
}

async function readClassesFile(root: string): Promise<string | null> {
  try {
    return await fs.readFile(path.join(root, CLASSES_FILE), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    const file = path.join(root, CLASSES_FILE);
    throw new InputError(`Cannot read ${file} (${(err as Error).message}); fix its permissions or delete it.`, file);
  }
}

function topFolderOf(root: string, file: string): string {
  return path.relative(root, file).split(path.sep)[0];
}

/** Decoders may return views into larger buffers; cache exactly the image's bytes. */
function copyIfView(pixels: Uint8Array): Uint8Array {
  return pixels.byteOffset === 0 && pixels.byteLength === pixels.buffer.byteLength ? pixels : pixels.slice();
}
