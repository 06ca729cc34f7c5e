import * as assert from 'assert';
import * as fs from 'fs';
import { openImageSource } from '../../../../src/engine/data';
import { openFolderSource } from '../../../../src/engine/data/folderSource';
import { collect, encodePng, pngFromPixels, rejectsInput, solidJpeg, solidPng, TempDir, freshTempDirPerTest } from '../../../fixtures/dataFixtures';

const RGB2 = { height: 2, width: 2, channels: 3 };
const GRAY1 = { height: 1, width: 1, channels: 1 };

/** A 1x1 gray PNG whose only pixel is `value`: lets a test read back which file came where. */
function markerPng(value: number): Buffer {
  return pngFromPixels(1, 1, 1, [value]);
}

describe('data: folder sources', () => {
  let dir: TempDir;
  freshTempDirPerTest((fresh) => (dir = fresh));

  it('reads an unlabeled folder recursively in sorted order, skipping hidden and non-image files', async () => {
    dir.write('b.png', markerPng(2));
    dir.write('a.PNG', markerPng(1));
    dir.write('nested/deeper/c.png', markerPng(3));
    dir.write('.hidden.png', markerPng(99));
    dir.write('.cache/d.png', markerPng(98));
    dir.write('notes.txt', 'hello');
    const source = await openImageSource(dir.root, { shape: GRAY1 });
    assert.strictEqual(source.count, 3);
    assert.strictEqual(source.skipped, 0);
    assert.strictEqual(source.labeled, false);
    assert.strictEqual(source.labels(), null);
    assert.strictEqual(source.classNames, null);
    const { pixels, labels, indices } = await collect(source.batches(2));
    assert.deepStrictEqual(pixels, [1, 2, 3]);
    assert.deepStrictEqual(labels, []);
    assert.deepStrictEqual(indices, [0, 1, 2]);
  });

  it('decodes PNG and JPEG (.jpg/.jpeg) side by side, by content', async () => {
    dir.write('a.png', solidPng(2, 2, [255, 0, 0]));
    dir.write('b.jpg', solidJpeg(2, 2, [0, 0, 255]));
    dir.write('c.JPEG', solidJpeg(2, 2, [0, 255, 0]));
    dir.write('d.jpg', solidPng(2, 2, [9, 9, 9])); // a PNG with the wrong extension
    const source = await openImageSource(dir.root, { shape: RGB2 });
    assert.strictEqual(source.count, 4);
    const { pixels } = await collect(source.batches(8));
    const firstPixels = [0, 1, 2, 3].map((i) => pixels.slice(i * 12, i * 12 + 3));
    const expected = [[255, 0, 0], [0, 0, 255], [0, 255, 0], [9, 9, 9]];
    firstPixels.forEach((px, i) => px.forEach((v, c) => assert.ok(Math.abs(v - expected[i][c]) <= 3, `image ${i}: ${px}`)));
  });

  it('skips and counts undecodable files', async () => {
    dir.write('good.png', markerPng(5));
    dir.write('broken.png', Buffer.from('definitely not a png'));
    const truncated = solidPng(4, 4, [1, 2, 3]);
    dir.write('truncated.png', truncated.subarray(0, truncated.length - 30));
    const source = await openFolderSource(dir.root, { shape: GRAY1 });
    assert.strictEqual(source.count, 1);
    assert.strictEqual(source.skipped, 2);
    assert.deepStrictEqual(source.skippedFiles.map((s) => s.file).sort(), [dir.path('broken.png'), dir.path('truncated.png')]);
  });

  it('labels class folders named 0..K-1 by their number', async () => {
    for (const cls of ['0', '1', '2', '10']) dir.write(`${cls}/img.png`, markerPng(Number(cls)));
    const source = await openImageSource(dir.root, { shape: GRAY1, requireLabels: true });
    assert.strictEqual(source.labeled, true);
    assert.strictEqual(source.classNames!.length, 11);
    const { pixels, labels } = await collect(source.batches(3));
    // The marker pixel equals the folder's number, so label must equal pixel.
    assert.deepStrictEqual(labels, pixels);
    assert.deepStrictEqual(Array.from(source.labels()!), labels);
  });

  it('sorts named class folders in code-unit order, as torchvision ImageFolder and Keras do', async () => {
    dir.write('class10/x.png', markerPng(10));
    dir.write('class2/x.png', markerPng(2));
    dir.write('Zebra/x.png', markerPng(50));
    const source = await openImageSource(dir.root, { shape: GRAY1 });
    assert.deepStrictEqual(source.classNames, ['Zebra', 'class10', 'class2']);
    const { pixels, labels } = await collect(source.batches(8));
    const labelOf = new Map(pixels.map((p, i) => [p, labels[i]]));
    assert.deepStrictEqual([labelOf.get(50), labelOf.get(10), labelOf.get(2)], [0, 1, 2]);
  });

  it('follows classes.txt order and refuses folders it does not list', async () => {
    dir.write('cat/x.png', markerPng(1));
    dir.write('dog/x.png', markerPng(0));
    dir.write('classes.txt', '\ufeffdog\r\ncat\r\n\r\nbird\n');
    const source = await openImageSource(dir.root, { shape: GRAY1 });
    assert.deepStrictEqual(source.classNames, ['dog', 'cat', 'bird']);
    const { pixels, labels } = await collect(source.batches(8));
    assert.deepStrictEqual(labels, pixels);

    dir.write('fish/x.png', markerPng(3));
    const err = await rejectsInput(openImageSource(dir.root, { shape: GRAY1 }), /fish.*not listed in .*classes\.txt/);
    assert.strictEqual(err.file, dir.path('fish'));
  });

  it('treats a folder with images at its top as unlabeled, and refuses it for evaluation', async () => {
    dir.write('loose.png', markerPng(1));
    dir.write('cats/x.png', markerPng(2));
    const source = await openImageSource(dir.root, { shape: GRAY1 });
    assert.strictEqual(source.labeled, false);
    assert.strictEqual(source.count, 2);
    await rejectsInput(openImageSource(dir.root, { shape: GRAY1, requireLabels: true }), /one subfolder per class/);
  });

  it('resizes and adapts channels to the model shape', async () => {
    dir.write('g.png', encodePng({ width: 2, height: 1, colorType: 0, samples: [0, 100] }));
    const source = await openImageSource(dir.root, { shape: { height: 1, width: 4, channels: 3 } });
    const { pixels } = await collect(source.batches(1));
    assert.deepStrictEqual(pixels, [0, 0, 0, 25, 25, 25, 75, 75, 75, 100, 100, 100]);

    dir.write('h.png', encodePng({ width: 1, height: 1, colorType: 2, samples: [255, 0, 0] }));
    const gray = await openImageSource(dir.root, { shape: { height: 1, width: 1, channels: 1 }, skip: 1 });
    assert.deepStrictEqual((await collect(gray.batches(1))).pixels, [76]);
  });

  it('selects a contiguous range with skip and limit', async () => {
    for (let i = 0; i < 6; i++) dir.write(`img${i}.png`, markerPng(i * 10));
    dir.write('img2b.png', Buffer.from('broken')); // undecodable files do not count
    const source = await openImageSource(dir.root, { shape: GRAY1, skip: 2, limit: 3 });
    assert.strictEqual(source.count, 3);
    assert.deepStrictEqual((await collect(source.batches(2))).pixels, [20, 30, 40]);
    const rest = await openImageSource(dir.root, { shape: GRAY1, skip: 4, limit: 100 });
    assert.deepStrictEqual((await collect(rest.batches(2))).pixels, [40, 50]);
    await rejectsInput(openImageSource(dir.root, { shape: GRAY1, skip: 6 }), /--skip 6 leaves no images/);
    await rejectsInput(openImageSource(dir.root, { shape: GRAY1, limit: -1 }), /--limit/);
  });

  it('decodes again lazily beyond the cache budget, with the same pixels', async () => {
    for (let i = 0; i < 5; i++) dir.write(`${i}.png`, encodePng({ width: 3, height: 2, colorType: 2, samples: Array.from({ length: 18 }, (_, k) => i * 20 + k) }));
    const shape = { height: 4, width: 5, channels: 3 };
    const cached = await openFolderSource(dir.root, { shape });
    const lazy = await openFolderSource(dir.root, { shape }, { cacheBytes: 2 * 4 * 5 * 3 });
    const a = await collect(cached.batches(2, { shuffle: true, seed: 3 }));
    const b = await collect(lazy.batches(2, { shuffle: true, seed: 3 }));
    assert.deepStrictEqual(b.pixels, a.pixels);

    fs.writeFileSync(dir.path('4.png'), 'gone bad');
    await rejectsInput(collect(lazy.batches(5)), /4\.png could be decoded when the images were opened but not now/);
  });

  it('refuses an empty folder, a folder of undecodable files and a missing path, naming them', async () => {
    const empty = dir.mkdir('empty');
    dir.write('empty/readme.txt', 'no images here');
    let err = await rejectsInput(openImageSource(empty, { shape: GRAY1 }), /holds no PNG or JPEG images/);
    assert.strictEqual(err.file, empty);
    assert.ok(err.message.includes(empty));

    dir.write('bad/a.png', 'xx');
    err = await rejectsInput(openImageSource(dir.path('bad'), { shape: GRAY1 }), /None of the 1 image file\(s\).*could be decoded/);
    assert.strictEqual(err.file, dir.path('bad'));

    const missing = dir.path('no/such/folder');
    err = await rejectsInput(openImageSource(missing, { shape: GRAY1 }), /does not exist\. Pass a folder of PNG\/JPEG images/);
    assert.ok(err.message.startsWith(missing));

    dir.write('plain.txt', 'text');
    await rejectsInput(openImageSource(dir.path('plain.txt'), { shape: GRAY1 }), /neither a folder nor an IDX images file/);
  });

  it('refuses a model shape it cannot feed', async () => {
    dir.write('a.png', markerPng(1));
    await rejectsInput(openImageSource(dir.root, { shape: { height: 8, width: 8, channels: 4 } }), /1 \(gray\) or 3 \(RGB\)/);
  });
});
