import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as zlib from 'zlib';
import { openImageSource } from '../../../../src/engine/data';
import { labelsFileCandidates } from '../../../../src/engine/data/idxFile';
import { collect, idxBytes, rejectsInput, TempDir, freshTempDirPerTest } from '../../../fixtures/dataFixtures';

const FASHION_MNIST = '/usr/share/datasets/fashion-mnist';
const MNIST_SHAPE = { height: 2, width: 3, channels: 1 };

/** n images of 2x3 whose pixels are all i*10+k (k = pixel position), labels i % 10. */
function tinyIdx(n: number): { images: Buffer; labels: Buffer } {
  const pixels = Array.from({ length: n * 6 }, (_, j) => Math.floor(j / 6) * 10 + (j % 6));
  return { images: idxBytes([n, 2, 3], pixels), labels: idxBytes([n], Array.from({ length: n }, (_, i) => i % 10)) };
}

describe('data: IDX sources', () => {
  let dir: TempDir;
  freshTempDirPerTest((fresh) => (dir = fresh));

  it('reads plain IDX images with the labels file found by name', async () => {
    const { images, labels } = tinyIdx(4);
    const file = dir.write('train-images-idx3-ubyte', images);
    dir.write('train-labels-idx1-ubyte', labels);
    const source = await openImageSource(file, { shape: MNIST_SHAPE, requireLabels: true });
    assert.deepStrictEqual([source.count, source.skipped, source.labeled], [4, 0, true]);
    assert.strictEqual(source.path, file);
    const { pixels, labels: got, sizes } = await collect(source.batches(3));
    assert.deepStrictEqual(sizes, [3, 1]);
    assert.deepStrictEqual(got, [0, 1, 2, 3]);
    assert.deepStrictEqual(pixels.slice(6, 12), [10, 11, 12, 13, 14, 15]);
  });

  it('reads gzipped images and labels (t10k naming), and mixed compression', async () => {
    const { images, labels } = tinyIdx(12);
    const file = dir.write('t10k-images-idx3-ubyte.gz', zlib.gzipSync(images));
    dir.write('t10k-labels-idx1-ubyte.gz', zlib.gzipSync(labels));
    const source = await openImageSource(file, { shape: MNIST_SHAPE });
    assert.deepStrictEqual(Array.from(source.labels()!), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1]);

    const other = dir.write('other/train-images.idx3-ubyte.gz', zlib.gzipSync(images));
    dir.write('other/train-labels.idx1-ubyte', labels);
    assert.strictEqual((await openImageSource(other, { shape: MNIST_SHAPE })).labeled, true);
  });

  it('opens images without a labels file as unlabeled, and refuses them for evaluation', async () => {
    const file = dir.write('train-images-idx3-ubyte', tinyIdx(2).images);
    const source = await openImageSource(file, { shape: MNIST_SHAPE });
    assert.strictEqual(source.labeled, false);
    assert.strictEqual(source.labels(), null);
    const err = await rejectsInput(openImageSource(file, { shape: MNIST_SHAPE, requireLabels: true }), /no train-labels-idx1-ubyte\.gz or train-labels-idx1-ubyte beside it/);
    assert.strictEqual(err.file, file);
  });

  it('names the labels file beside the images file', () => {
    assert.deepStrictEqual(labelsFileCandidates('/d/train-images-idx3-ubyte.gz').map((f) => path.basename(f)), ['train-labels-idx1-ubyte.gz', 'train-labels-idx1-ubyte']);
    assert.deepStrictEqual(labelsFileCandidates('/d/digits.bin'), []);
  });

  it('refuses corrupt IDX files, naming the file', async () => {
    const { images, labels } = tinyIdx(3);
    const truncated = dir.write('a/train-images-idx3-ubyte', images.subarray(0, images.length - 1));
    let err = await rejectsInput(openImageSource(truncated, { shape: MNIST_SHAPE }), /is truncated/);
    assert.strictEqual(err.file, truncated);

    const badMagic = Buffer.from(images);
    badMagic[0] = 7;
    err = await rejectsInput(openImageSource(dir.write('b/train-images-idx3-ubyte', badMagic), { shape: MNIST_SHAPE }), /not an IDX file/);

    const badGzip = zlib.gzipSync(images).subarray(0, 20);
    err = await rejectsInput(openImageSource(dir.write('c/train-images-idx3-ubyte.gz', badGzip), { shape: MNIST_SHAPE }), /damaged gzip/);

    const extra = Buffer.concat([images, Buffer.from([1, 2])]);
    await rejectsInput(openImageSource(dir.write('d/train-images-idx3-ubyte', extra), { shape: MNIST_SHAPE }), /2 bytes more than its header/);

    const header = dir.write('e/train-images-idx3-ubyte', images.subarray(0, 10));
    await rejectsInput(openImageSource(header, { shape: MNIST_SHAPE }), /truncated .*header/);

    const file = dir.write('f/train-images-idx3-ubyte', images);
    const wrongLabels = dir.write('f/train-labels-idx1-ubyte', idxBytes([2], [0, 1]));
    err = await rejectsInput(openImageSource(file, { shape: MNIST_SHAPE }), /do not belong together/);
    assert.strictEqual(err.file, wrongLabels);

    await rejectsInput(openImageSource(dir.write('g/train-labels-idx1-ubyte', labels), { shape: MNIST_SHAPE }), /holds labels, not images/);
  });

  it('adapts IDX images to the model shape and honours skip/limit', async () => {
    const { images, labels } = tinyIdx(5);
    const file = dir.write('train-images-idx3-ubyte', images);
    dir.write('train-labels-idx1-ubyte', labels);
    const source = await openImageSource(file, { shape: { height: 2, width: 3, channels: 3 }, skip: 1, limit: 2 });
    assert.strictEqual(source.count, 2);
    assert.deepStrictEqual(Array.from(source.labels()!), [1, 2]);
    const { pixels, indices } = await collect(source.batches(8));
    assert.deepStrictEqual(indices, [0, 1]);
    assert.deepStrictEqual(pixels.slice(0, 6), [10, 10, 10, 11, 11, 11]);

    const bigger = await openImageSource(file, { shape: { height: 4, width: 6, channels: 1 }, limit: 1 });
    const up = await collect(bigger.batches(1));
    assert.strictEqual(up.pixels.length, 24);
    // Rows [0,1,2] and [3,4,5] doubled: centres fall at 0.25, 0.75, ... of the source pixels.
    assert.deepStrictEqual(up.pixels.slice(0, 6), [0, 0, 1, 1, 2, 2]);
    assert.deepStrictEqual(up.pixels.slice(18, 24), [3, 3, 4, 4, 5, 5]);
  });

  it('reads the real Fashion-MNIST test set (npm test installs dataset-fashion-mnist)', async () => {
    const file = path.join(FASHION_MNIST, 't10k-images-idx3-ubyte.gz');
    assert.ok(fs.existsSync(file), `${file} missing: apt-get install dataset-fashion-mnist`);
    const source = await openImageSource(file, { shape: { height: 28, width: 28, channels: 1 }, requireLabels: true });
    assert.strictEqual(source.count, 10000);
    const labels = source.labels()!;
    assert.deepStrictEqual(new Set(labels).size, 10);
    const batch = (await source.batches(256).next()).value!;
    assert.deepStrictEqual(batch.x.shape, [256, 28, 28, 1]);
    const max = batch.x.max().dataSync()[0];
    batch.x.dispose();
    assert.ok(max > 200 && max <= 255, `max pixel ${max}`);
  });
});
