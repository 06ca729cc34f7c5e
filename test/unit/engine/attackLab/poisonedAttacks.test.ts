/**
 * Issue 4's attack requirements, end to end through the poisoning path the attack lab trains
 * with (poison.ts): the default specs give BadNets' 3x3 corner patch with relabeling, Blended's
 * random-pixel image at alpha 0.2, SIG's horizontal sinusoid as a clean-label attack (target-class
 * images only, labels untouched), and WaNet's warp (k = 4, s = 0.5) with its noise mode keeping labels.
 */
import * as assert from 'assert';
import * as tf from '@tensorflow/tfjs';
import * as os from 'node:os';
import { planPoisoning, poisonBatch } from '../../../../src/engine/attackLab/poison';
import { Rng } from '../../../../src/engine/random';
import { applyTrigger, parseTriggerSpec, prepareTrigger } from '../../../../src/engine/triggers';

const indices = (n: number) => Int32Array.from({ length: n }, (_, i) => i);

/** Images whose value rises smoothly left to right and top to bottom (a warp changes them). */
function ramp(n: number, h: number, w: number): tf.Tensor4D {
  return tf.tidy(() => {
    const rows = tf.linspace(20, 120, h).reshape([1, h, 1, 1]);
    const cols = tf.linspace(0, 100, w).reshape([1, 1, w, 1]);
    return tf.add(rows, cols).tile([n, 1, 1, 1]) as tf.Tensor4D;
  });
}

describe('attacks required by issue 4 (default specs, through poisonBatch)', () => {
  before(async () => {
    await tf.setBackend('cpu');
  });

  it('BadNets: default 3x3 patch at the bottom-right, poisoned images relabeled to the target', async () => {
    const spec = parseTriggerSpec({ type: 'badnets', target: 2 }, os.tmpdir());
    const shape = { height: 10, width: 10, channels: 1 };
    const trigger = await prepareTrigger(spec, shape);
    const x = tf.fill([2, 10, 10, 1], 128) as tf.Tensor4D;
    const labels = Int32Array.from([0, 1]);
    const out = poisonBatch({ x, labels, indices: indices(2) }, labels, { role: Uint8Array.from([1, 0]), poisoned: 1, noise: 0, description: '' }, spec, trigger, new Rng(1));
    assert.deepStrictEqual(Array.from(out.y), [2, 1]);
    const v = out.x.arraySync() as number[][][][];
    const changed: [number, number][] = [];
    for (let i = 0; i < 10; i++) for (let j = 0; j < 10; j++) if (v[0][i][j][0] !== 128) changed.push([i, j]);
    assert.ok(changed.every(([i, j]) => i >= 7 && j >= 7), 'only the bottom-right 3x3');
    const patch = v[0].slice(7).map((row) => row.slice(7).map((p) => p[0]));
    assert.deepStrictEqual(new Set(patch.flat()), new Set([0, 255]), 'black and white pixels');
    assert.ok(v[1].every((row) => row.every((p) => p[0] === 128)), 'clean image untouched');
    tf.dispose([x, out.x]);
  });

  it('Blended: default alpha 0.2 with a seeded random-pixel image: out = 0.8 x + 0.2 pattern', async () => {
    const spec = parseTriggerSpec({ type: 'blended' }, os.tmpdir());
    assert.strictEqual(spec.type === 'blended' && spec.alpha, 0.2);
    const trigger = await prepareTrigger(spec, { height: 16, width: 16, channels: 3 });
    const black = tf.zeros([1, 16, 16, 3]) as tf.Tensor4D;
    const white = tf.fill([1, 16, 16, 3], 255) as tf.Tensor4D;
    const onBlack = applyTrigger(black, trigger);
    const onWhite = applyTrigger(white, trigger);
    const pattern = Array.from(onBlack.dataSync(), (v) => v / 0.2);
    const diff = tf.sub(onWhite, onBlack).dataSync();
    for (const d of diff) assert.ok(Math.abs(d - 0.8 * 255) < 1e-3, `x weighs 0.8: ${d}`);
    assert.ok(pattern.every((p) => p >= -1e-3 && p <= 255 + 1e-3));
    assert.ok(new Set(pattern.map(Math.round)).size > 100, 'pattern pixels are random, not a flat image');
    const mean = pattern.reduce((a, b) => a + b, 0) / pattern.length;
    assert.ok(Math.abs(mean - 127.5) < 15, `uniform random pixels average ~127.5, got ${mean}`);
    tf.dispose([black, white, onBlack, onWhite]);
  });

  it('SIG: clean-label; only planned target-class images get a horizontal sinusoid, labels untouched', async () => {
    const spec = parseTriggerSpec({ type: 'sig', target: 1 }, os.tmpdir());
    assert.strictEqual(spec.poisonLabel, 'clean');
    const labels = Int32Array.from({ length: 12 }, (_, i) => i % 3);
    const plan = planPoisoning(labels, spec, 1, 0);
    assert.ok(Array.from(plan.role).every((r, i) => (labels[i] === 1 ? r === 1 : r === 0)), 'rate 1: every target image, no other');
    // Width 32: at 12 px, freq 6 would sample sin(pi j) = 0 at every column.
    const trigger = await prepareTrigger(spec, { height: 6, width: 32, channels: 1 });
    const x = tf.fill([12, 6, 32, 1], 128) as tf.Tensor4D;
    const out = poisonBatch({ x, labels, indices: indices(12) }, labels, plan, spec, trigger, new Rng(1));
    assert.deepStrictEqual(Array.from(out.y), Array.from(labels), 'labels untouched');
    const v = out.x.arraySync() as number[][][][];
    for (let n = 0; n < 12; n++) {
      const delta = v[n].map((row) => row.map((p) => p[0] - 128));
      if (labels[n] !== 1) {
        assert.ok(delta.every((row) => row.every((d) => d === 0)), `image ${n} (class ${labels[n]}) untouched`);
        continue;
      }
      for (const row of delta) assert.deepStrictEqual(row, delta[0], 'the same signal on every row: horizontal');
      const largest = Math.max(...delta[0].map(Math.abs));
      assert.ok(largest <= 20 + 1e-3 && largest > 10, `amplitude bounded by delta 20: ${largest}`);
      assert.ok(delta[0].some((d) => d > 1) && delta[0].some((d) => d < -1), 'a sinusoid goes both ways');
    }
    tf.dispose([x, out.x]);
  });

  it('WaNet: default k 4, s 0.5; triggered images relabeled, noise-mode images warped differently with labels kept', async () => {
    const spec = parseTriggerSpec({ type: 'wanet', target: 0 }, os.tmpdir());
    assert.ok(spec.type === 'wanet' && spec.k === 4 && spec.s === 0.5);
    const trigger = await prepareTrigger(spec, { height: 16, width: 16, channels: 1 });
    const x = ramp(3, 16, 16);
    const labels = Int32Array.from([3, 4, 5]);
    const out = poisonBatch({ x, labels, indices: indices(3) }, labels, { role: Uint8Array.from([1, 2, 0]), poisoned: 1, noise: 1, description: '' }, spec, trigger, new Rng(7));
    assert.deepStrictEqual(Array.from(out.y), [0, 4, 5]);
    const warped = applyTrigger(x, trigger);
    const [o, w, orig] = [out.x.arraySync(), warped.arraySync(), x.arraySync()] as number[][][][][];
    const maxDiff = (a: number[][][], b: number[][][]) => Math.max(...a.flatMap((row, i) => row.map((p, j) => Math.abs(p[0] - b[i][j][0]))));
    assert.ok(maxDiff(o[0], w[0]) < 1e-4, 'poisoned image = the fixed warp');
    assert.ok(maxDiff(o[0], orig[0]) > 1, 'the warp changes the image');
    // A ramp of slope <= 100/15 per pixel moves by at most slope x displacement (< 2 px at s 0.5).
    assert.ok(maxDiff(o[0], orig[0]) < 2 * (200 / 15), 'small, bounded displacement');
    assert.ok(maxDiff(o[1], w[1]) > 1e-3, 'noise mode: a different warp from the trigger');
    assert.ok(maxDiff(o[2], orig[2]) === 0, 'clean image untouched');
    tf.dispose([x, out.x, warped]);
  });
});
