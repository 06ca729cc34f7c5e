import * as assert from 'assert';
import * as tf from '@tensorflow/tfjs';
import { CancelledError, InputError } from '../../../../src/engine/errors';
import { memorySource } from '../../../../src/engine/data/memorySource';
import type { ImageSource } from '../../../../src/engine/data/types';
import { collect } from '../../../fixtures/dataFixtures';

const SHAPE = { height: 2, width: 2, channels: 1 };

/** n images whose 4 pixels all equal the image's number; labels are number % 3. */
function numbered(n: number): ImageSource {
  const pixels = Uint8Array.from({ length: n * 4 }, (_, i) => Math.floor(i / 4));
  const labels = Int32Array.from({ length: n }, (_, i) => i % 3);
  return memorySource(pixels, labels, SHAPE, n);
}

describe('data: batches', () => {
  before(async () => {
    await tf.setBackend('cpu');
  });

  it('yields float32 raw pixels in batches of at most batchSize, in order', async () => {
    const source = numbered(10);
    const first = (await source.batches(4).next()).value!;
    assert.strictEqual(first.x.dtype, 'float32');
    assert.deepStrictEqual(first.x.shape, [4, 2, 2, 1]);
    first.x.dispose();
    const { sizes, indices, labels, pixels } = await collect(source.batches(4));
    assert.deepStrictEqual(sizes, [4, 4, 2]);
    assert.deepStrictEqual(indices, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    assert.deepStrictEqual(labels, indices.map((i) => i % 3));
    assert.deepStrictEqual(pixels.filter((_, k) => k % 4 === 0), indices);
  });

  it('shuffles reproducibly by seed, differently across seeds, covering every image once', async () => {
    const source = numbered(50);
    const a = await collect(source.batches(8, { shuffle: true, seed: 7 }));
    const b = await collect(source.batches(8, { shuffle: true, seed: 7 }));
    const c = await collect(source.batches(8, { shuffle: true, seed: 8 }));
    assert.deepStrictEqual(a.indices, b.indices);
    assert.notDeepStrictEqual(a.indices, c.indices);
    assert.notDeepStrictEqual(a.indices, Array.from({ length: 50 }, (_, i) => i));
    assert.deepStrictEqual([...a.indices].sort((x, y) => x - y), Array.from({ length: 50 }, (_, i) => i));
    // Pixels and labels travel with their index.
    assert.deepStrictEqual(a.pixels.filter((_, k) => k % 4 === 0), a.indices);
    assert.deepStrictEqual(a.labels, a.indices.map((i) => i % 3));
  });

  it('stops after take images', async () => {
    const { sizes } = await collect(numbered(10).batches(4, { take: 6 }));
    assert.deepStrictEqual(sizes, [4, 2]);
    const shuffled = await collect(numbered(10).batches(4, { take: 3, shuffle: true, seed: 1 }));
    assert.strictEqual(shuffled.indices.length, 3);
  });

  it('stops with CancelledError when the signal aborts', async () => {
    const controller = new AbortController();
    const seen: number[] = [];
    await assert.rejects(async () => {
      for await (const batch of numbered(10).batches(2, { signal: controller.signal })) {
        seen.push(batch.indices[0]);
        batch.x.dispose();
        controller.abort();
      }
    }, CancelledError);
    assert.deepStrictEqual(seen, [0]);
  });

  it('leaks no tensors across a full pass', async () => {
    const source = numbered(37);
    const before = tf.memory().numTensors;
    for await (const batch of source.batches(5, { shuffle: true, seed: 2 })) batch.x.dispose();
    // Stopping early (break) must not leak either.
    for await (const batch of source.batches(5)) {
      batch.x.dispose();
      break;
    }
    assert.strictEqual(tf.memory().numTensors, before);
  });

  it('refuses a bad batch size and bad memorySource arguments', async () => {
    await assert.rejects(numbered(3).batches(0).next(), InputError);
    assert.throws(() => memorySource(new Uint8Array(3), null, SHAPE, 1), /need 4/);
    assert.throws(() => memorySource(new Uint8Array(4), new Int32Array(2), SHAPE, 1), /2 labels for 1 images/);
  });

  it('is unlabeled without labels', async () => {
    const source = memorySource(new Uint8Array(8), null, SHAPE, 2);
    assert.deepStrictEqual([source.labeled, source.labels(), source.count], [false, null, 2]);
    const batch = (await source.batches(2).next()).value!;
    assert.strictEqual(batch.labels, null);
    batch.x.dispose();
  });
});
