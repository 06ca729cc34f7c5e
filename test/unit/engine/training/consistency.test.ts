import * as assert from 'assert';
import * as tf from '@tensorflow/tfjs';
import { consistencyPerturb } from '../../../../src/engine/training/augment';
import { Rng } from '../../../../src/engine/random';
import { warpPlan } from '../../../../src/engine/suspect/warpTrigger';
import { buildArchitecture } from '../../../../src/engine/attackLab/architectures';
import { cloneModel, reinitializeChannels } from '../../../../src/engine/bcu/reinit';

describe('student-only consistency perturbations and channel re-initialization', () => {
  before(async () => {
    await tf.setBackend('cpu');
  });

  it('patches: a black/white square of side >= 2 on the chosen images, everything else unchanged', () => {
    const x = tf.fill([20, 10, 10, 1], 100) as tf.Tensor4D;
    const out = consistencyPerturb(x, { patch: 0.5, blend: 0 }, new Rng(4));
    const v = out.dataSync();
    let patched = 0;
    for (let i = 0; i < 20; i++) {
      const img = Array.from(v.slice(i * 100, (i + 1) * 100));
      const changed = img.filter((p) => p !== 100);
      assert.ok(changed.every((p) => p === 0 || p === 255), 'patch pixels are black or white');
      if (changed.length > 0) {
        patched++;
        const side = Math.sqrt(changed.length);
        assert.ok(Number.isInteger(side) && side >= 2 && side <= 3, `square patch, side ${side}`);
      }
    }
    assert.ok(patched > 3 && patched < 17, `about half patched: ${patched}`);
    tf.dispose([x, out]);
  });

  it('recovered trigger: (1 - m) x + m p exactly on the chosen images, the others untouched', () => {
    const [h, w] = [3, 3];
    const mask = Float32Array.from([0, 0, 0, 0, 0.5, 0, 0, 0, 1]);
    const pattern = Float32Array.from({ length: h * w }, (_, k) => 10 * k);
    const x = tf.fill([40, h, w, 1], 100) as tf.Tensor4D;
    const out = consistencyPerturb(x, { patch: 0, blend: 0, recovered: { mask, pattern, share: 0.5 } }, new Rng(9));
    const v = out.dataSync();
    const expected = Array.from(mask, (m, k) => (1 - m) * 100 + m * pattern[k]);
    let stamped = 0;
    for (let i = 0; i < 40; i++) {
      const img = Array.from(v.slice(i * 9, (i + 1) * 9));
      if (img.every((p) => p === 100)) continue;
      assert.deepStrictEqual(img, expected);
      stamped++;
    }
    assert.ok(stamped > 10 && stamped < 30, `about half stamped: ${stamped}`);
    const none = consistencyPerturb(x, { patch: 0, blend: 0, recovered: { mask, pattern, share: 0 } }, new Rng(9));
    assert.deepStrictEqual(Array.from(none.dataSync()), Array.from(x.dataSync()));
    tf.dispose([x, out, none]);
  });

  it('recovered trigger with an alternate form (the whole-image blend): each stamped image gets one form or the other, about half each', () => {
    const [h, w] = [3, 3];
    const mask = Float32Array.from([0, 0, 0, 0, 0, 0, 0, 0, 1]);
    const pattern = new Float32Array(h * w).fill(0);
    const alternate = { mask: new Float32Array(h * w).fill(0.25), pattern: new Float32Array(h * w).fill(200) };
    const x = tf.fill([200, h, w, 1], 100) as tf.Tensor4D;
    const out = consistencyPerturb(x, { patch: 0, blend: 0, recovered: { mask, pattern, share: 1, alternate } }, new Rng(3));
    const v = out.dataSync();
    const local = Array.from(mask, (m, k) => (1 - m) * 100 + m * pattern[k]);
    const global = new Array(h * w).fill(0.75 * 100 + 0.25 * 200);
    let globals = 0;
    for (let i = 0; i < 200; i++) {
      const img = Array.from(v.slice(i * 9, (i + 1) * 9));
      if (img[0] === 100) assert.deepStrictEqual(img, local);
      else {
        assert.deepStrictEqual(img, global);
        globals++;
      }
    }
    assert.ok(globals > 70 && globals < 130, `about half get the blend: ${globals} of 200`);
    tf.dispose([x, out]);
  });

  it('recovered trigger with a recovered warp: half the stamped images are the clean image shifted by the warp, the rest stamped', () => {
    const [h, w] = [3, 4];
    const mask = new Float32Array(h * w);
    mask[0] = 1;
    const pattern = new Float32Array(h * w).fill(7);
    // Every pixel reads half a pixel to its right: columns 10, 20, 30, 40 become 15, 25, 35, 40 (edge clamped).
    const warp = warpPlan({ dx: new Float32Array(h * w).fill(0.5), dy: new Float32Array(h * w) }, h, w);
    const row = [10, 20, 30, 40];
    const x = tf.tensor4d(Array.from({ length: 100 }, () => [row, row, row]).flat(2), [100, h, w, 1]);
    const out = consistencyPerturb(x, { patch: 0, blend: 0, recovered: { mask, pattern, share: 1, warp } }, new Rng(5));
    const v = out.dataSync();
    const stamped = [7, 20, 30, 40, ...row, ...row];
    const shifted = [15, 25, 35, 40, 15, 25, 35, 40, 15, 25, 35, 40];
    let warpedCount = 0;
    for (let i = 0; i < 100; i++) {
      const img = Array.from(v.slice(i * 12, (i + 1) * 12));
      if (img[0] === 7) assert.deepStrictEqual(img, stamped);
      else {
        img.forEach((p, k) => assert.ok(Math.abs(p - shifted[k]) < 1e-4, `image ${i}: ${img}`));
        warpedCount++;
      }
    }
    assert.ok(warpedCount > 30 && warpedCount < 70, `about half warped: ${warpedCount} of 100`);
    tf.dispose([x, out]);
  });

  it('blend: a convex mix with a random pattern at strength <= 0.3; off means identity', () => {
    const x = tf.fill([8, 4, 4, 3], 200) as tf.Tensor4D;
    const out = consistencyPerturb(x, { patch: 0, blend: 1 }, new Rng(2));
    const v = out.dataSync();
    for (const p of v) assert.ok(p >= 200 * 0.7 - 1e-3 && p <= 200 * 0.7 + 255 * 0.3 + 1e-3);
    const same = consistencyPerturb(x, { patch: 0, blend: 0 }, new Rng(2));
    assert.deepStrictEqual(Array.from(same.dataSync()), Array.from(x.dataSync()));
    tf.dispose([x, out, same]);
  });

  it('re-initializes exactly the chosen output channels of a conv kernel', async () => {
    const teacher = buildArchitecture('small-cnn', { inputShape: [10, 10, 1], classes: 3, seed: 1 });
    const student = await cloneModel(teacher);
    reinitializeChannels(student, new Map([['conv2', [3, 17]]]), 5);
    const t = teacher.getLayer('conv2').getWeights()[0].arraySync() as number[][][][];
    const s = student.getLayer('conv2').getWeights()[0].arraySync() as number[][][][];
    const changedChannels = new Set<number>();
    t.forEach((row, a) => row.forEach((col, b) => col.forEach((cin, c) => cin.forEach((val, k) => {
      if (s[a][b][c][k] !== val) changedChannels.add(k);
    }))));
    assert.deepStrictEqual([...changedChannels].sort((a, b) => a - b), [3, 17]);
    teacher.dispose();
    student.dispose();
  });
});
