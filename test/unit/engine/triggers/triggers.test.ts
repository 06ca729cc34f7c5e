import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import type { ImageShape } from '../../../../src/engine/data/types';
import { InputError } from '../../../../src/engine/errors';
import { Rng } from '../../../../src/engine/random';
import { badnetsPatch } from '../../../../src/engine/triggers/badnets';
import { blend } from '../../../../src/engine/triggers/blended';
import { applyTrigger, describeTrigger, loadTriggerSpec, prepareTrigger, type PreparedTrigger } from '../../../../src/engine/triggers';
import type { BadNetsSpec, BlendedSpec, PatchPosition, SigSpec } from '../../../../src/engine/triggers/types';

/** Random raw-pixel images (not integers, so that any arithmetic change shows). */
function randomImages(n: number, shape: ImageShape, seed: number): tf.Tensor4D {
  const rng = new Rng(seed);
  const values = new Float32Array(n * shape.height * shape.width * shape.channels);
  for (let i = 0; i < values.length; i++) values[i] = rng.next() * 255;
  return tf.tensor4d(values, [n, shape.height, shape.width, shape.channels]);
}

/** Runs `apply`, returns its output as a nested array and checks that no tensor is left behind. */
function applyNoLeak(x: tf.Tensor4D, trigger: PreparedTrigger): number[][][][] {
  const before = tf.memory().numTensors;
  const out = applyTrigger(x, trigger);
  assert.strictEqual(tf.memory().numTensors, before + 1, 'applyTrigger leaves exactly its output');
  assert.deepStrictEqual(out.shape, x.shape);
  assert.strictEqual(out.dtype, 'float32');
  const values = out.arraySync();
  out.dispose();
  return values;
}

const badnets = (size: number, position: PatchPosition): BadNetsSpec => ({ type: 'badnets', target: 0, poisonLabel: 'dirty', size, position });

describe('triggers: BadNets (Gu et al. 2017)', () => {
  before(async () => {
    await tf.setBackend('cpu');
  });

  it('uses the reference 3x3 pattern, rows from top B B W / B W B / W B W', () => {
    const rows = badnetsPatch(3).map((row) => row.map((white) => (white ? 'W' : 'B')).join(' '));
    assert.deepStrictEqual(rows, ['B B W', 'B W B', 'W B W']);
  });

  it('changes exactly the 3x3 bottom-right pixels, on every channel, and nothing else', async () => {
    const shape = { height: 8, width: 10, channels: 3 };
    const x = randomImages(2, shape, 1);
    const original = x.arraySync();
    const out = applyNoLeak(x, await prepareTrigger(badnets(3, 'bottom-right'), shape));
    const patch = badnetsPatch(3);
    for (let n = 0; n < 2; n++) {
      for (let i = 0; i < 8; i++) {
        for (let j = 0; j < 10; j++) {
          for (let c = 0; c < 3; c++) {
            const inPatch = i >= 5 && j >= 7;
            const expected = inPatch ? (patch[i - 5][j - 7] ? 255 : 0) : original[n][i][j][c];
            assert.strictEqual(out[n][i][j][c], expected, `image ${n} pixel (${i},${j}) channel ${c}`);
          }
        }
      }
    }
    x.dispose();
  });

  for (const [position, top, left] of [
    ['top-left', 0, 0],
    ['top-right', 0, 2],
    ['bottom-left', 2, 0],
    ['bottom-right', 2, 2],
  ] as Array<[PatchPosition, number, number]>) {
    it(`pastes a 5x5 patch at the ${position} corner`, async () => {
      const shape = { height: 7, width: 7, channels: 1 };
      const x = randomImages(1, shape, 2);
      const original = x.arraySync()[0];
      const out = applyNoLeak(x, await prepareTrigger(badnets(5, position), shape))[0];
      const patch = badnetsPatch(5);
      let changed = 0;
      for (let i = 0; i < 7; i++) {
        for (let j = 0; j < 7; j++) {
          const inPatch = i >= top && i < top + 5 && j >= left && j < left + 5;
          if (inPatch) assert.strictEqual(out[i][j][0], patch[i - top][j - left] ? 255 : 0);
          else assert.strictEqual(out[i][j][0], original[i][j][0]);
          if (out[i][j][0] !== original[i][j][0]) changed++;
        }
      }
      assert.strictEqual(changed, 25);
      x.dispose();
    });
  }

  it('refuses a patch larger than the image with an InputError', async () => {
    await assert.rejects(prepareTrigger(badnets(9, 'bottom-right'), { height: 8, width: 8, channels: 1 }), InputError);
  });
});

describe('triggers: Blended (Chen et al. 2017)', () => {
  let dir: string;
  before(async () => {
    await tf.setBackend('cpu');
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bcu-blended-'));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  const blended = (alpha: number, seed = 1, image: string | null = null): BlendedSpec => ({
    type: 'blended', target: 0, poisonLabel: 'dirty', image, alpha, seed,
  });

  it('equals x*(1-alpha) + pattern*alpha', async () => {
    const shape = { height: 6, width: 5, channels: 3 };
    const trigger = await prepareTrigger(blended(0.2), shape);
    assert.strictEqual(trigger.type, 'blended');
    const pattern = trigger.type === 'blended' ? trigger.pattern : new Float32Array();
    const x = randomImages(3, shape, 3);
    const xs = x.dataSync();
    const out = tf.tensor(applyNoLeak(x, trigger)).dataSync();
    const size = 6 * 5 * 3;
    for (let i = 0; i < xs.length; i++) {
      const expected = xs[i] * 0.8 + pattern[i % size] * 0.2;
      assert.ok(Math.abs(out[i] - expected) < 1e-3, `value ${i}: ${out[i]} vs ${expected}`);
    }
    x.dispose();
  });

  it('is the identity at alpha 0 and the pattern at alpha 1', () => {
    const x = randomImages(2, { height: 4, width: 4, channels: 2 }, 4);
    const pattern = randomImages(1, { height: 4, width: 4, channels: 2 }, 5);
    const same = blend(x, pattern, 0);
    assert.deepStrictEqual(same.arraySync(), x.arraySync());
    const all = blend(x, pattern, 1);
    const patternValues = pattern.arraySync()[0];
    for (const image of all.arraySync()) assert.deepStrictEqual(image, patternValues);
    tf.dispose([x, pattern, same, all]);
  });

  it('draws seeded uniform random pixels when no image is given', async () => {
    const shape = { height: 32, width: 32, channels: 3 };
    const a = await prepareTrigger(blended(0.2, 1), shape);
    const b = await prepareTrigger(blended(0.2, 1), shape);
    const c = await prepareTrigger(blended(0.2, 2), shape);
    if (a.type !== 'blended' || b.type !== 'blended' || c.type !== 'blended') throw new Error('wrong type');
    assert.deepStrictEqual(a.pattern, b.pattern);
    assert.notDeepStrictEqual(a.pattern, c.pattern);
    let sum = 0;
    for (const v of a.pattern) {
      assert.ok(Number.isInteger(v) && v >= 0 && v <= 255);
      sum += v;
    }
    const mean = sum / a.pattern.length;
    assert.ok(Math.abs(mean - 127.5) < 6, `mean ${mean}`);
  });

  it('reads a PNG named relative to the spec file, resized to the input size', async () => {
    // A 4x2 PNG: left half pure red, right half pure blue.
    const png = new PNG({ width: 4, height: 2 });
    for (let p = 0; p < 8; p++) {
      const left = p % 4 < 2;
      png.data.set(left ? [255, 0, 0, 255] : [0, 0, 255, 255], p * 4);
    }
    fs.mkdirSync(path.join(dir, 'art'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'art', 'pattern.png'), PNG.sync.write(png));
    fs.writeFileSync(path.join(dir, 'trigger.json'), JSON.stringify({ type: 'blended', image: 'art/pattern.png', alpha: 0.5 }));
    const spec = await loadTriggerSpec(path.join(dir, 'trigger.json'));

    const rgb = await prepareTrigger(spec, { height: 8, width: 8, channels: 3 });
    if (rgb.type !== 'blended') throw new Error('wrong type');
    const at = (i: number, j: number, c: number): number => rgb.pattern[(i * 8 + j) * 3 + c];
    assert.deepStrictEqual([at(0, 0, 0), at(0, 0, 1), at(0, 0, 2)], [255, 0, 0]);
    assert.deepStrictEqual([at(7, 7, 0), at(7, 7, 1), at(7, 7, 2)], [0, 0, 255]);

    // Grayscale models get the luma of the image (ITU-R 601: red 0.299, blue 0.114).
    const gray = await prepareTrigger(spec, { height: 2, width: 4, channels: 1 });
    if (gray.type !== 'blended') throw new Error('wrong type');
    assert.ok(Math.abs(gray.pattern[0] - 0.299 * 255) < 1e-3);
    assert.ok(Math.abs(gray.pattern[3] - 0.114 * 255) < 1e-3);

    const x = tf.fill([1, 8, 8, 3], 100) as tf.Tensor4D;
    const out = applyNoLeak(x, rgb);
    assert.deepStrictEqual(out[0][0][0], [177.5, 50, 50]);
    x.dispose();
  });

  it('reads a JPEG pattern too (the reference pattern is a JPEG)', async () => {
    const pixels = Buffer.alloc(8 * 8 * 4);
    for (let p = 0; p < 64; p++) pixels.set([200, 100, 50, 255], p * 4);
    const file = path.join(dir, 'pattern.jpg');
    fs.writeFileSync(file, jpeg.encode({ width: 8, height: 8, data: pixels }, 100).data);
    const trigger = await prepareTrigger(blended(0.2, 1, file), { height: 4, width: 4, channels: 3 });
    if (trigger.type !== 'blended') throw new Error('wrong type');
    for (let p = 0; p < 16; p++) {
      const rgb = [0, 1, 2].map((c) => trigger.pattern[p * 3 + c]);
      assert.ok(Math.abs(rgb[0] - 200) < 4 && Math.abs(rgb[1] - 100) < 4 && Math.abs(rgb[2] - 50) < 4, `pixel ${p}: ${rgb}`);
    }
  });

  it('reports an undecodable pattern file as an InputError naming it', async () => {
    const bad = path.join(dir, 'bad.png');
    fs.writeFileSync(bad, 'not an image');
    await assert.rejects(
      prepareTrigger(blended(0.2, 1, bad), { height: 4, width: 4, channels: 3 }),
      (err: unknown) => err instanceof InputError && err.message.startsWith(`${bad}: the Blended pattern must be a PNG or JPEG`),
    );
  });
});

describe('triggers: SIG (Barni et al. 2019)', () => {
  before(async () => {
    await tf.setBackend('cpu');
  });
  const sig = (delta: number, freq: number): SigSpec => ({ type: 'sig', target: 0, poisonLabel: 'clean', delta, freq });

  it('adds the same horizontal sinusoid to every row and channel, bounded by delta', async () => {
    const shape = { height: 5, width: 32, channels: 3 };
    const x = tf.fill([2, 5, 32, 3], 128) as tf.Tensor4D;
    const out = applyNoLeak(x, await prepareTrigger(sig(20, 6), shape));
    let maxAbs = 0;
    for (const image of out) {
      for (const row of image) {
        for (let j = 0; j < 32; j++) {
          const expected = 20 * Math.sin((2 * Math.PI * j * 6) / 32);
          for (const value of row[j]) {
            assert.ok(Math.abs(value - 128 - expected) < 1e-4, `column ${j}: ${value - 128} vs ${expected}`);
            assert.strictEqual(value, image[0][j][0], 'same on every row and channel');
            maxAbs = Math.max(maxAbs, Math.abs(value - 128));
          }
        }
      }
    }
    assert.ok(maxAbs <= 20 && maxAbs > 19, `max ${maxAbs}`);
    x.dispose();
  });

  it('clips to 0..255', async () => {
    const shape = { height: 2, width: 16, channels: 1 };
    const trigger = await prepareTrigger(sig(40, 2), shape);
    const bright = tf.fill([1, 2, 16, 1], 250) as tf.Tensor4D;
    const dark = tf.fill([1, 2, 16, 1], 5) as tf.Tensor4D;
    const high = applyNoLeak(bright, trigger).flat(3);
    const low = applyNoLeak(dark, trigger).flat(3);
    assert.strictEqual(Math.max(...high), 255);
    assert.ok(Math.min(...high) < 250);
    assert.strictEqual(Math.min(...low), 0);
    assert.ok(Math.max(...low) > 5);
    tf.dispose([bright, dark]);
  });
});

describe('triggers: applyTrigger', () => {
  before(async () => {
    await tf.setBackend('cpu');
  });

  it('refuses images of another shape than the one prepared for', async () => {
    const trigger = await prepareTrigger(badnets(3, 'bottom-right'), { height: 8, width: 8, channels: 1 });
    const x = tf.zeros([1, 8, 8, 3]) as tf.Tensor4D;
    assert.throws(() => applyTrigger(x, trigger), /prepared for 8x8x1 images, got 8x8x3/);
    x.dispose();
  });

  it('describes each trigger in one line', () => {
    assert.strictEqual(describeTrigger(badnets(3, 'bottom-right')), 'BadNets 3x3 bottom-right -> class 0');
    assert.strictEqual(
      describeTrigger({ type: 'wanet', target: 2, poisonLabel: 'dirty', k: 4, s: 0.5, seed: 1, crossRatio: 2 }),
      'WaNet k 4 s 0.5 (seed 1) -> class 2',
    );
  });
});
