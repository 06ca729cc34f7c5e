/**
 * Hostile input files (issue 11, docs/bad-input.md): each is generated here, small, in a temp
 * folder, and given to the real `bcu`; each must end with the documented exit code and a one-line
 * reason naming the file, and leave every input and the working directory unchanged.
 */
import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { PNG } from 'pngjs';
import { openImageSource } from '../../../src/engine/data';
import { encodeIdx } from '../../../src/engine/data/idxWriter';
import { saveModel } from '../../../src/engine/modelIo';
import { Rng } from '../../../src/engine/random';
import { assertBuilt, bcu, checksums, oneLineReason, type BcuOptions } from '../../fixtures/bcuChild';
import { makeTempDir, removeDir, smallConvModel } from '../../fixtures/modelFixtures';

/** PNG chunk CRC (the standard CRC-32), to forge chunks whose checksums are right but whose data is not. */
function crc32(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of bytes) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0xedb88320 : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

function grayPng(seed: number, size = 8): Buffer {
  const png = new PNG({ width: size, height: size });
  const rng = new Rng(seed);
  for (let i = 0; i < size * size; i++) {
    const v = 1 + rng.int(255);
    png.data.set([v, v, v, 255], i * 4);
  }
  return PNG.sync.write(png, { colorType: 0 });
}

/** A PNG whose header is valid and whose IDAT chunk has a correct CRC over broken zlib data. */
function corruptPng(seed: number, how: 'garbled' | 'cut'): Buffer {
  const good = grayPng(seed);
  let at = 8;
  while (good.toString('latin1', at + 4, at + 8) !== 'IDAT') at += 12 + good.readUInt32BE(at);
  const data = Buffer.from(good.subarray(at + 8, at + 8 + good.readUInt32BE(at)));
  let broken: Buffer;
  if (how === 'garbled') {
    for (let i = 2; i < data.length - 4; i++) data[i] ^= 0x5a;
    broken = data;
  } else {
    broken = data.subarray(0, Math.floor(data.length / 2));
  }
  const chunk = Buffer.alloc(12 + broken.length);
  chunk.writeUInt32BE(broken.length, 0);
  chunk.write('IDAT', 4, 'latin1');
  broken.copy(chunk, 8);
  chunk.writeUInt32BE(crc32(chunk.subarray(4, 8 + broken.length)), 8 + broken.length);
  const end = at + 12 + good.readUInt32BE(at);
  return Buffer.concat([good.subarray(0, at), chunk, good.subarray(end)]);
}

describe('bad input files (bcu as a child process)', function () {
  this.timeout(300_000);
  let root: string;
  let work: string;
  let modelDir: string;
  let images: string;
  let baseline: Record<string, string>;

  const run = (args: string[], options: BcuOptions = {}) => bcu([...args, '--backend', 'wasm', '--json'], { cwd: work, ...options });
  async function assertUnchanged(label: string): Promise<void> {
    assert.deepEqual(await checksums(root), baseline, `${label}: an input or the working directory changed`);
  }
  /** A copy of the good model whose model.json or weights `edit` changes. */
  async function editedModel(name: string, edit: (json: { modelTopology: { config: { layers: { class_name: string; config: Record<string, unknown> }[] } } }, weights: Buffer) => void): Promise<string> {
    const dir = path.join(root, name);
    await fs.mkdir(dir);
    const json = JSON.parse(await fs.readFile(path.join(modelDir, 'model.json'), 'utf8'));
    const weights = await fs.readFile(path.join(modelDir, 'group1-shard1of1.bin'));
    edit(json, weights);
    await fs.writeFile(path.join(dir, 'model.json'), JSON.stringify(json));
    await fs.writeFile(path.join(dir, 'group1-shard1of1.bin'), weights);
    return path.join(dir, 'model.json');
  }
  function weightOffset(json: { weightsManifest: { weights: { name: string; shape: number[] }[] }[] }, name: string): number {
    let offset = 0;
    for (const w of json.weightsManifest[0].weights) {
      if (w.name === name) return offset;
      offset += 4 * w.shape.reduce((a, b) => a * b, 1);
    }
    throw new Error(`no weight ${name}`);
  }

  before(async () => {
    assertBuilt();
    await tf.setBackend('cpu');
    root = await makeTempDir('badinput');
    work = path.join(root, 'work');
    await fs.mkdir(work);
    await fs.writeFile(path.join(work, 'notes.txt'), 'mine');
    const m = smallConvModel();
    modelDir = path.join(root, 'model');
    await saveModel(m, modelDir);
    m.dispose();
    const rng = new Rng(3);
    images = path.join(root, 'pool-images-idx3-ubyte');
    await fs.writeFile(images, encodeIdx([64, 8, 8], new Uint8Array(64 * 64).map(() => rng.int(256))));
  });
  after(async () => {
    await removeDir(root);
  });
  beforeEach(async () => {
    baseline = await checksums(root);
  });

  it('a gzipped IDX bomb declaring millions of images is streamed: --limit 64 stays under 300 MB', async () => {
    // 5,000,000 28x28 images declared; 600 MB of zeros behind the header, as 600 gzip members of 1 MB (600 KB on disk).
    const header = encodeIdx([5_000_000, 28, 28], new Uint8Array(0));
    const member = zlib.gzipSync(Buffer.alloc(1 << 20), { level: 9 });
    const bomb = path.join(root, 'bomb-images-idx3-ubyte.gz');
    await fs.writeFile(bomb, Buffer.concat([zlib.gzipSync(header), ...new Array<Buffer>(600).fill(member)]));
    baseline = await checksums(root);
    const r = run(['inspect', '--model', path.join(modelDir, 'model.json'), '--data', bomb, '--limit', '64', '--no-suspect'], { measureMemory: { scratch: work } });
    await fs.rm(path.join(work, (await fs.readdir(work)).find((f) => f.startsWith('rss-')) ?? 'none'), { force: true });
    assert.equal(r.code, 0, r.stderr);
    const result = JSON.parse(r.stdout.trim().split('\n').pop() as string);
    assert.equal(result.type, 'result');
    console.log(`      gzip IDX bomb (5,000,000 declared, 600 MB inflated), --limit 64: peak RSS ${r.peakRssMb?.toFixed(0)} MB, ${r.seconds.toFixed(1)} s`);
    assert.ok(r.peakRssMb !== undefined && r.peakRssMb < 300, `peak RSS ${r.peakRssMb} MB`);
    await assertUnchanged('gzip bomb');
  });

  it('a layer edited to 1,000,000 units fails before anything is built, naming model.json and the layer', async () => {
    const edited = await editedModel('huge-dense', (json) => {
      json.modelTopology.config.layers.find((l) => l.config.name === 'classifier')!.config.units = 1_000_000;
    });
    baseline = await checksums(root);
    const r = run(['inspect', '--model', edited], { measureMemory: { scratch: root } });
    await Promise.all((await fs.readdir(root)).filter((f) => f.startsWith('rss-')).map((f) => fs.rm(path.join(root, f))));
    assert.equal(r.code, 2, r.stderr);
    assert.match(oneLineReason(r, 'inspect'), /huge-dense[\\/]model\.json: layer "classifier" \(Dense\) declares 1000000 units but its weight classifier\/kernel .* has shape \[36,3\]/);
    assert.ok(r.peakRssMb! < 300, `peak RSS ${r.peakRssMb} MB: nothing was allocated for the layer`);
    await assertUnchanged('1,000,000 units');
  });

  it('NaN or infinite weights are refused on load (exit 2) by every command, naming the file, weight and layer', async () => {
    for (const [name, value] of [['nan-weights', NaN], ['inf-weights', -Infinity]] as const) {
      const edited = await editedModel(name, (json, weights) => {
        weights.writeFloatLE(value, weightOffset(json as never, 'classifier/kernel') + 8);
      });
      baseline = await checksums(root);
      const out = path.join(root, `${name}-out`);
      for (const args of [['inspect', '--model', edited], ['evaluate', '--model', edited, '--data', images], ['cleanse', '--model', edited, '--data', images, '--out', out]]) {
        const r = run(args);
        assert.equal(r.code, 2, `${args[0]}: ${r.stderr}`);
        assert.match(oneLineReason(r, args[0]), new RegExp(`${name}[\\\\/]model\\.json: weight classifier/kernel of layer "classifier" holds ${value} .*group1-shard1of1\\.bin`));
      }
      await assertUnchanged(name);
      await assert.rejects(fs.stat(out));
    }
  });

  it('PNGs with a valid header and corrupt or cut pixel data are skipped and counted, never used as black images', async () => {
    const folder = path.join(root, 'pngs');
    await fs.mkdir(folder);
    for (let i = 0; i < 6; i++) await fs.writeFile(path.join(folder, `good${i}.png`), grayPng(i));
    await fs.writeFile(path.join(folder, 'garbled.png'), corruptPng(10, 'garbled'));
    await fs.writeFile(path.join(folder, 'cut.png'), corruptPng(11, 'cut'));
    const source = await openImageSource(folder, { shape: { height: 8, width: 8, channels: 1 } });
    assert.equal(source.count, 6);
    assert.equal(source.skipped, 2);
    const reasons = (source as unknown as { skippedFiles: { file: string; reason: string }[] }).skippedFiles.map((s) => `${path.basename(s.file)}: ${s.reason}`).sort();
    assert.match(reasons[0], /^cut\.png: PNG pixel data is (corrupt|truncated)/);
    assert.match(reasons[1], /^garbled\.png: PNG pixel data is corrupt/);

    const allBad = path.join(root, 'all-bad');
    await fs.mkdir(allBad);
    for (let i = 0; i < 3; i++) await fs.writeFile(path.join(allBad, `bad${i}.png`), corruptPng(20 + i, 'garbled'));
    baseline = await checksums(root);
    const r = run(['inspect', '--model', path.join(modelDir, 'model.json'), '--data', allBad, '--no-suspect']);
    assert.equal(r.code, 2, r.stderr);
    assert.match(oneLineReason(r, 'inspect'), /None of the 3 image file\(s\) in .*all-bad could be decoded \(e\.g\. .*bad\d\.png: PNG pixel data is corrupt/);
    await assertUnchanged('corrupt PNGs');
  });

  it('an unreadable weights file or data file (EACCES) is one line naming it, exit 2', async () => {
    const r = run(['inspect', '--model', path.join(modelDir, 'model.json')], { fault: { path: 'group1-shard1of1.bin', code: 'EACCES' } });
    assert.equal(r.code, 2, r.stderr);
    assert.match(oneLineReason(r, 'inspect'), /weight shard .*group1-shard1of1\.bin listed in .*model\.json cannot be read \(EACCES\); check its permissions/);
    const data = run(['inspect', '--model', path.join(modelDir, 'model.json'), '--data', images, '--no-suspect'], { fault: { path: 'pool-images-idx3-ubyte', code: 'EACCES' } });
    assert.equal(data.code, 2, data.stderr);
    assert.match(oneLineReason(data, 'inspect'), /pool-images-idx3-ubyte cannot be read \(EACCES\); check its permissions/);
    await assertUnchanged('EACCES');
  });

  describe('messages', () => {
    it('a Lambda layer: one whole sentence that blames the layer', async () => {
      const edited = await editedModel('lambda', (json) => {
        json.modelTopology.config.layers.splice(2, 0, { class_name: 'Lambda', config: { name: 'lambda_1', function: ['4wEAAAAAAAAA', null, null], function_type: 'lambda' } });
      });
      baseline = await checksums(root);
      const r = run(['inspect', '--model', edited]);
      assert.equal(r.code, 2, r.stderr);
      assert.match(oneLineReason(r, 'inspect'), /lambda[\\/]model\.json could not be loaded as a TF\.js LayersModel: .*Lambda.* custom or Lambda layer, which TF\.js cannot rebuild; re-export the model with built-in layers only\.$/);
      await assertUnchanged('Lambda');
    });

    it('weights that do not fit the layers blame the files, not custom or Lambda layers', async () => {
      // A larger input makes the Dense layer's input wider than its kernel: found by TF.js, after the checks.
      const edited = await editedModel('wider-input', (json) => {
        const first = json.modelTopology.config.layers[0].config as { batch_input_shape: number[] };
        first.batch_input_shape = [null as never, 10, 10, 1];
      });
      baseline = await checksums(root);
      const r = run(['inspect', '--model', edited]);
      assert.equal(r.code, 2, r.stderr);
      const line = oneLineReason(r, 'inspect');
      assert.match(line, /wider-input[\\/]model\.json could not be loaded .*model\.json and its weight files do not fit together/);
      assert.doesNotMatch(line, /Lambda|custom/);
      await assertUnchanged('shape mismatch');
    });

    it('an IDX label outside the model classes points at the labels file, not class folders', async () => {
      const dir = path.join(root, 'labels7');
      await fs.mkdir(dir);
      await fs.writeFile(path.join(dir, 't10k-images-idx3-ubyte'), encodeIdx([6, 8, 8], new Uint8Array(6 * 64).fill(9)));
      await fs.writeFile(path.join(dir, 't10k-labels-idx1-ubyte'), encodeIdx([6], new Uint8Array([0, 1, 2, 7, 0, 1])));
      baseline = await checksums(root);
      const r = run(['evaluate', '--model', path.join(modelDir, 'model.json'), '--data', path.join(dir, 't10k-images-idx3-ubyte')]);
      assert.equal(r.code, 2, r.stderr);
      const line = oneLineReason(r, 'evaluate');
      assert.match(line, /t10k-images-idx3-ubyte: an image has label 7 but the model has 3 outputs; the labels file/);
      assert.doesNotMatch(line, /class folders/);
      await assertUnchanged('IDX label');
    });

    it('a 2-channel model is refused naming its model.json', async () => {
      const m = tf.sequential();
      m.add(tf.layers.conv2d({ inputShape: [8, 8, 2], filters: 2, kernelSize: 3, name: 'conv' }));
      m.add(tf.layers.flatten());
      m.add(tf.layers.dense({ units: 3, name: 'classifier' }));
      await saveModel(m, path.join(root, 'two-channel'));
      m.dispose();
      baseline = await checksums(root);
      const r = run(['cleanse', '--model', path.join(root, 'two-channel', 'model.json'), '--data', images, '--out', path.join(root, 'two-out')]);
      assert.equal(r.code, 2, r.stderr);
      assert.match(oneLineReason(r, 'cleanse'), /two-channel[\\/]model\.json: model input shape \[null,8,8,2\] has 2 channels/);
      await assertUnchanged('2 channels');
    });
  });
});
