import * as assert from 'assert';
import * as tf from '@tensorflow/tfjs';
import { adaptImage, convertChannels, resizeBilinear } from '../../../../src/engine/data/adaptImage';

describe('data: adaptImage', () => {
  before(async () => {
    await tf.setBackend('cpu');
  });

  it('upscales with half-pixel bilinear: [0,100] -> [0,25,75,100]', () => {
    assert.deepStrictEqual(Array.from(resizeBilinear(Uint8Array.from([0, 100]), 1, 2, 1, 1, 4)), [0, 25, 75, 100]);
  });

  it('upscales 2x2 -> 4x4 separably', () => {
    const out = resizeBilinear(Uint8Array.from([0, 100, 200, 40]), 2, 2, 1, 4, 4);
    // Rows blend [0,25,75,100] and [200,160,80,40] with weights 1, .75/.25, .25/.75, 1.
    const expected = [
      [0, 25, 75, 100],
      [50, 59, 76, 85],
      [150, 126, 79, 55],
      [200, 160, 80, 40],
    ];
    assert.deepStrictEqual(Array.from(out), expected.flat());
  });

  it('matches tf.image.resizeBilinear (half-pixel centres) when upscaling, within rounding', () => {
    const [h, w, c] = [5, 7, 3];
    const pixels = Uint8Array.from({ length: h * w * c }, (_, i) => (i * 37) % 256);
    const ours = resizeBilinear(pixels, h, w, c, 9, 11);
    const theirs = tf.tidy(() =>
      tf.image.resizeBilinear(tf.tensor3d(pixels, [h, w, c], 'float32'), [9, 11], false, true).dataSync(),
    );
    let maxDiff = 0;
    for (let i = 0; i < ours.length; i++) maxDiff = Math.max(maxDiff, Math.abs(ours[i] - theirs[i]));
    assert.ok(maxDiff <= 1, `max difference ${maxDiff}`);
  });

  it('downscales with a widened (anti-aliasing) filter like PIL; constant stays constant', () => {
    assert.deepStrictEqual(Array.from(resizeBilinear(Uint8Array.from([0, 0, 100, 100]), 1, 4, 1, 1, 2)), [14, 86]);
    const flat = resizeBilinear(new Uint8Array(30 * 20 * 3).fill(77), 30, 20, 3, 7, 5);
    assert.ok(flat.every((v) => v === 77));
  });

  it('leaves same-size images unchanged', () => {
    const pixels = Uint8Array.from([1, 2, 3, 4, 5, 6]);
    assert.deepStrictEqual(Array.from(resizeBilinear(pixels, 1, 2, 3, 1, 2)), [1, 2, 3, 4, 5, 6]);
  });

  it('converts gray -> RGB by repeating and RGB -> gray by BT.601 luminance', () => {
    assert.deepStrictEqual(Array.from(convertChannels(Uint8Array.from([7, 200]), 2, 1, 3)), [7, 7, 7, 200, 200, 200]);
    const rgb = Uint8Array.from([255, 0, 0, 0, 255, 0, 0, 0, 255, 10, 20, 30, 255, 255, 255]);
    assert.deepStrictEqual(Array.from(convertChannels(rgb, 5, 3, 1)), [76, 150, 29, 18, 255]);
  });

  it('resizes and adapts channels together', () => {
    const gray = adaptImage({ width: 2, height: 1, channels: 1, pixels: Uint8Array.from([0, 100]) }, { height: 1, width: 4, channels: 3 });
    assert.deepStrictEqual(Array.from(gray), [0, 0, 0, 25, 25, 25, 75, 75, 75, 100, 100, 100]);
    const rgb = adaptImage({ width: 1, height: 1, channels: 3, pixels: Uint8Array.from([255, 0, 0]) }, { height: 2, width: 2, channels: 1 });
    assert.deepStrictEqual(Array.from(rgb), [76, 76, 76, 76]);
  });
});
