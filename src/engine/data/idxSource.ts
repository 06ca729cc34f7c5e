/**
 * An IDX images file, with its labels file when one lies beside it. The header is read first; then
 * only the images in --skip/--limit are kept in memory (Fashion-MNIST train, all of it: 47 MB),
 * and each read copies or adapts one image from them.
 */
import * as path from 'path';
import { InputError } from '../errors';
import { adaptImage } from './adaptImage';
import { findLabelsFile, labelsFileCandidates, readIdxFile, readIdxHeader } from './idxFile';
import { checkModelShape, imageRange, rangeCount } from './imageRange';
import { sourceFromStore, type PixelStore } from './pixelStoreSource';
import type { ImageShape, ImageSource, OpenOptions } from './types';

export async function openIdxSource(file: string, options: OpenOptions): Promise<ImageSource> {
  const shape = { ...options.shape };
  checkModelShape(shape);
  const range = imageRange(options);
  const header = await readIdxHeader(file);
  const [total, height, width, channels = 1] = header.dims;
  if (header.dims.length === 1) {
    throw new InputError(`${file} holds labels, not images; pass the *-images-idx3-ubyte file.`, file);
  }
  if ((header.dims.length !== 3 && header.dims.length !== 4) || (channels !== 1 && channels !== 3) || height === 0 || width === 0) {
    throw new InputError(`${file} holds an array of shape ${header.dims.join('x')}; expected images (count x height x width, or x 1 or 3 channels).`, file);
  }
  if (total === 0) throw new InputError(`${file} holds no images; pass a file with images in it.`, file);

  const labelsFile = await findLabelsFile(file);
  if (options.requireLabels && !labelsFile) {
    const looked = labelsFileCandidates(file).map((f) => path.basename(f));
    const where = looked.length ? `no ${looked.join(' or ')} beside it` : 'its name does not follow the *-images-idx3-ubyte pattern that locates the labels file';
    throw new InputError(`Evaluation needs labels, but ${file} has none: ${where}. Put the matching *-labels-idx1-ubyte file next to it.`, file);
  }

  const count = rangeCount(range, total, file);
  const first = range.skip;
  let labelsInRange: Uint8Array | null = null;
  if (labelsFile) {
    const labelsHeader = await readIdxHeader(labelsFile);
    if (labelsHeader.dims.length !== 1 || labelsHeader.dims[0] !== total) {
      throw new InputError(`${labelsFile} holds ${labelsHeader.dims.join('x')} values but ${file} holds ${total} images; the files do not belong together.`, labelsFile);
    }
    labelsInRange = (await readIdxFile(labelsFile, { first, count })).data;
  }
  const images = await readIdxFile(file, { first, count });
  const native: ImageShape = { height, width, channels };
  const imageSize = height * width * channels;
  const sameShape = height === shape.height && width === shape.width && channels === shape.channels;
  const store: PixelStore = {
    count,
    shape,
    read(index, out, offset) {
      const start = index * imageSize;
      const pixels = images.data.subarray(start, start + imageSize);
      // Adapting a 28x28 image takes microseconds: cheaper than caching a resized copy.
      out.set(sameShape ? pixels : adaptImage({ ...native, channels: native.channels as 1 | 3, pixels }, shape), offset);
    },
  };
  return sourceFromStore(store, {
    path: file,
    skipped: 0,
    labels: labelsInRange ? Int32Array.from(labelsInRange) : null,
    classNames: null,
  });
}
