import * as assert from 'assert';
import * as tf from '@tensorflow/tfjs';
import { randomCropFlip } from '../../../../src/engine/training/augment';
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
