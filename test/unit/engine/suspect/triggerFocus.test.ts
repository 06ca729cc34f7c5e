import * as assert from 'assert';
import * as tf from '@tensorflow/tfjs';
import { flipRate, focusTrigger, heaviestWindows } from '../../../../src/engine/suspect/triggerFocus';
import { blockClassifier, blockImages, BLOCK_SIZE, TRIGGER_PIXEL } from '../../../fixtures/diagnosticsFixtures';

/** The fixture's 8x8 images on the 0..1 scale, leaving out those already in `target`. */
function imagesNotIn(target: number, count = 60): tf.Tensor4D {
  const { pixels } = blockImages(count);
  const keep = Array.from({ length: count }, (_, i) => i).filter((i) => i % 10 !== target);
  const data = new Float32Array(keep.length * 64);
  keep.forEach((n, k) => data.set(Array.from(pixels.subarray(n * 64, n * 64 + 64), (v) => v / 255), k * 64));
  return tf.tensor4d(data, [keep.length, 8, 8, 1]);
}

const unit = { mode: 'unit' as const };

describe('focusing the recovered trigger before unlearning it', () => {
  before(async () => {
    await tf.setBackend('cpu');
  });

  it('finds the heaviest windows, heaviest first, overlapping by at most a quarter', () => {
    const mask = new Float32Array(64);
    mask[0] = 1; // top-left blob, mass 2.5
    mask[1] = 1;
    mask[8] = 0.5;
    mask[63] = 0.9; // bottom-right pixel
    const wins = heaviestWindows(mask, 8, 8, 2, 3);
    assert.deepStrictEqual(wins[0], { top: 0, left: 0, mass: 2.5 });
    assert.ok(wins.some((w) => w.top === 6 && w.left === 6 && Math.abs(w.mass - 0.9) < 1e-6), 'the corner pixel\'s window');
    for (const a of wins) for (const b of wins) {
      if (a === b) continue;
      const overlap = Math.max(0, 2 - Math.abs(a.top - b.top)) * Math.max(0, 2 - Math.abs(a.left - b.left));
      assert.ok(overlap <= 1, 'overlap at most a quarter of a window');
    }
  });

  it('a patch trigger plus natural features of the target: only the window holding the patch is unlearned', () => {
    const target = 7;
    const model = blockClassifier(target);
    const images = imagesNotIn(target);
    const mask = new Float32Array(64);
    mask[TRIGGER_PIXEL] = 1; // the planted backdoor pixel, bottom-right
    for (let i = 0; i < BLOCK_SIZE; i++) mask[target * BLOCK_SIZE + i] = 0.6; // the target class's own block: natural evidence
    const pattern = new Float32Array(64).fill(1);
    const tensorsBefore = tf.memory().numTensors;
    const { mask: kept, focus } = focusTrigger(model, images, { mask, pattern }, target, { scaling: unit });
    assert.strictEqual(tf.memory().numTensors, tensorsBefore, 'no tensor left behind');
    assert.ok(focus.window, 'a window was kept');
    const { top, left, size } = focus.window!;
    assert.strictEqual(size, 2);
    assert.ok(top <= 7 && 7 < top + size && left <= 7 && 7 < left + size, 'the window holds the trigger pixel');
    assert.strictEqual(kept[TRIGGER_PIXEL], 1);
    assert.ok(kept.filter((v) => v > 0).length <= 4, 'everything outside the window is dropped');
    assert.ok(focus.flipRate >= 0.8 * focus.fullFlipRate && focus.fullFlipRate > 0.9, JSON.stringify(focus));
    assert.strictEqual(flipRate(model, images, kept, pattern, target, unit), focus.flipRate);
    images.dispose();
    model.dispose();
  });

  it('a trigger no window carries (the whole block is needed): the whole mask is unlearned', () => {
    const target = 3;
    const model = blockClassifier(null);
    const images = imagesNotIn(target);
    const mask = new Float32Array(64);
    for (let i = 0; i < BLOCK_SIZE; i++) mask[target * BLOCK_SIZE + i] = 1;
    const pattern = new Float32Array(64).fill(1);
    const { mask: kept, focus } = focusTrigger(model, images, { mask, pattern }, target, { scaling: unit });
    assert.strictEqual(focus.window, null);
    assert.strictEqual(kept, mask);
    assert.ok(focus.fullFlipRate > 0.9, `the whole block flips: ${focus.fullFlipRate}`);
    images.dispose();
    model.dispose();
  });
});
