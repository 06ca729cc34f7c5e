import * as assert from 'assert';
import * as tf from '@tensorflow/tfjs';
import { randomCropFlip } from '../../../../src/engine/training/augment';
import { initBackend } from '../../../../src/engine/backend';
import { Rng } from '../../../../src/engine/random';

describe('augmentation: random crop with padding, optional flip', () => {
  before(async () => {
    await tf.setBackend('cpu');
  });

  it('each output is an exact shifted window of the zero-padded input (no interpolation)', () => {
    const h = 6;
    const w = 5;
    const x = tf.tensor4d(Array.from({ length: 2 * h * w }, (_, i) => i + 1), [2, h, w, 1]);
    const out = randomCropFlip(x, { padding: 2, flip: false }, new Rng(3));
    assert.deepStrictEqual(out.shape, [2, h, w, 1]);
    const padded = tf.pad(x, [[0, 0], [2, 2], [2, 2], [0, 0]]).arraySync() as number[][][][];
    const got = out.arraySync() as number[][][][];
    for (let n = 0; n < 2; n++) {
      let found = false;
      for (let dy = 0; dy <= 4 && !found; dy++) {
        for (let dx = 0; dx <= 4 && !found; dx++) {
          let same = true;
          for (let y = 0; y < h && same; y++) for (let xx = 0; xx < w && same; xx++) same = got[n][y][xx][0] === padded[n][y + dy][xx + dx][0];
          found = same;
        }
      }
      assert.ok(found, `image ${n} is a window of the padded image`);
    }
    tf.dispose([x, out]);
  });

  it('flip mirrors columns; the same seed gives the same augmentation', () => {
    const x = tf.tensor4d([1, 2, 3, 4, 5, 6], [1, 2, 3, 1]);
    const seen = new Set<string>();
    for (let s = 0; s < 12; s++) {
      const out = randomCropFlip(x, { padding: 0, flip: true }, new Rng(s));
      seen.add(JSON.stringify(out.arraySync()));
      out.dispose();
    }
    assert.deepStrictEqual([...seen].sort(), [JSON.stringify([[[[1], [2], [3]], [[4], [5], [6]]]]), JSON.stringify([[[[3], [2], [1]], [[6], [5], [4]]]])].sort());
    const a = randomCropFlip(x, { padding: 1, flip: true }, new Rng(9));
    const b = randomCropFlip(x, { padding: 1, flip: true }, new Rng(9));
    assert.deepStrictEqual(a.arraySync(), b.arraySync());
    tf.dispose([x, a, b]);
  });
});

/** (dy, dx, flipped) of each output image within the zero-padded input, or null when none fits. */
function windows(x: tf.Tensor4D, out: tf.Tensor4D, p: number): ({ dy: number; dx: number; flip: boolean } | null)[] {
  const [n, h, w] = x.shape;
  const padded = tf.pad(x, [[0, 0], [p, p], [p, p], [0, 0]]).arraySync() as number[][][][];
  const got = out.arraySync() as number[][][][];
  const found: ({ dy: number; dx: number; flip: boolean } | null)[] = [];
  for (let i = 0; i < n; i++) {
    let hit: { dy: number; dx: number; flip: boolean } | null = null;
    for (let dy = 0; dy <= 2 * p && !hit; dy++) {
      for (let dx = 0; dx <= 2 * p && !hit; dx++) {
        for (const flip of [false, true]) {
          let same = true;
          for (let y = 0; y < h && same; y++) {
            for (let xx = 0; xx < w && same; xx++) same = got[i][y][xx][0] === padded[i][y + dy][dx + (flip ? w - 1 - xx : xx)][0];
          }
          if (same) { hit = { dy, dx, flip }; break; }
        }
      }
    }
    found.push(hit);
  }
  return found;
}

describe('augmentation on the wasm backend (the one cleanses run on)', function () {
  this.timeout(60_000);
  before(async () => {
    await initBackend('wasm');
  });
  after(async () => {
    await tf.setBackend('cpu');
  });

  it('shifts crops sideways as well as up and down, each an exact window of the padded image', () => {
    const n = 24;
    const h = 7;
    const w = 6;
    // Distinct values everywhere, so a window matches at one offset only.
    const x = tf.tensor4d(Array.from({ length: n * h * w }, (_, i) => i + 1), [n, h, w, 1]);
    const out = randomCropFlip(x, { padding: 2, flip: false }, new Rng(5));
    const found = windows(x, out, 2);
    assert.ok(found.every((f) => f !== null && !f.flip), 'every output is an unflipped window of its padded image');
    const dxs = new Set(found.map((f) => f!.dx));
    const dys = new Set(found.map((f) => f!.dy));
    assert.ok(dxs.size >= 3, `horizontal offsets seen: ${[...dxs].join(',')}`);
    assert.ok(dys.size >= 3, `vertical offsets seen: ${[...dys].join(',')}`);
    tf.dispose([x, out]);
  });

  it('flips about half the images, and the same seed gives the same batch as on cpu', async () => {
    const n = 24;
    const x = tf.tensor4d(Array.from({ length: n * 5 * 4 }, (_, i) => i + 1), [n, 5, 4, 1]);
    const out = randomCropFlip(x, { padding: 1, flip: true }, new Rng(11));
    const found = windows(x, out, 1);
    assert.ok(found.every((f) => f !== null));
    const flipped = found.filter((f) => f!.flip).length;
    assert.ok(flipped > 0 && flipped < n, `${flipped} of ${n} flipped`);
    const onWasm = out.arraySync();
    tf.dispose([x, out]);
    await tf.setBackend('cpu');
    const xc = tf.tensor4d(Array.from({ length: n * 5 * 4 }, (_, i) => i + 1), [n, 5, 4, 1]);
    const outc = randomCropFlip(xc, { padding: 1, flip: true }, new Rng(11));
    assert.deepStrictEqual(outc.arraySync(), onWasm);
    tf.dispose([xc, outc]);
    await tf.setBackend('wasm');
  });
});
