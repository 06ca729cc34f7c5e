/**
 * BadNets (Gu, Dolan-Gavitt & Garg, 2017, "BadNets: Identifying Vulnerabilities in the Machine
 * Learning Model Supply Chain"): a small fixed patch pasted over a corner of the image.
 */
import * as tf from '@tensorflow/tfjs';
import type { ImageShape } from '../data/types';
import { InputError } from '../errors';
import type { BadNetsSpec, PatchPosition } from './types';

const BLACK = 0;
const WHITE = 255;

export interface PreparedBadNets {
  type: 'badnets';
  spec: BadNetsSpec;
  shape: ImageShape;
  /** 1 where the patch replaces the pixel, per (row, column); H*W. */
  mask: Uint8Array;
  /** Patch values (0 or 255) at masked positions, per (row, column); H*W. */
  pattern: Float32Array;
}

/**
 * The patch, row by row from its top-left cell: true = white.
 *
 * The reference trigger file (BCU/BackdoorBench `cifar10_bottom_right_3by3_blackwhite.npy`, pixels
 * 29-31 of a 32x32 image) reads, rows from top, B B W / B W B / W B W, as our method note
 * (shared/notes/bcu-method.md, section 3) records it. That is the checkerboard "white where
 * row+column is even" except that its top-left cell is black. We follow the reference exactly, so
 * our 3x3 patch is the one behind the published numbers, and apply the same rule to other sizes.
 */
export function badnetsPatch(size: number): boolean[][] {
  const rows: boolean[][] = [];
  for (let i = 0; i < size; i++) {
    const row: boolean[] = [];
    for (let j = 0; j < size; j++) row.push((i + j) % 2 === 0 && !(i === 0 && j === 0));
    rows.push(row);
  }
  return rows;
}

/** Top-left pixel (row, column) of the patch for a position. */
function patchOrigin(position: PatchPosition, size: number, shape: ImageShape): [number, number] {
  const bottom = shape.height - size;
  const right = shape.width - size;
  switch (position) {
    case 'bottom-right':
      return [bottom, right];
    case 'bottom-left':
      return [bottom, 0];
    case 'top-right':
      return [0, right];
    case 'top-left':
      return [0, 0];
  }
}

export function prepareBadNets(spec: BadNetsSpec, shape: ImageShape): PreparedBadNets {
  if (spec.size > shape.height || spec.size > shape.width) {
    throw new InputError(
      `trigger size ${spec.size} does not fit images of ${shape.height}x${shape.width}; use a size of at most ${Math.min(shape.height, shape.width)}.`,
    );
  }
  const mask = new Uint8Array(shape.height * shape.width);
  const pattern = new Float32Array(shape.height * shape.width);
  const [top, left] = patchOrigin(spec.position, spec.size, shape);
  const patch = badnetsPatch(spec.size);
  for (let i = 0; i < spec.size; i++) {
    for (let j = 0; j < spec.size; j++) {
      const p = (top + i) * shape.width + (left + j);
      mask[p] = 1;
      pattern[p] = patch[i][j] ? WHITE : BLACK;
    }
  }
  return { type: 'badnets', spec, shape, mask, pattern };
}

/** Pastes the patch on every image, the same value on all channels; other pixels are untouched. */
export function applyBadNets(x: tf.Tensor4D, prepared: PreparedBadNets): tf.Tensor4D {
  return tf.tidy(() => {
    const { height, width } = prepared.shape;
    const mask = tf.tensor4d(prepared.mask, [1, height, width, 1], 'bool');
    const pattern = tf.tensor4d(prepared.pattern, [1, height, width, 1]);
    // where() copies values exactly: untouched pixels keep their bits.
    return tf.where(tf.broadcastTo(mask, x.shape), tf.broadcastTo(pattern, x.shape), x) as tf.Tensor4D;
  });
}
