import * as assert from 'assert';
import { decodeImage, sniffImageFormat } from '../../../../src/engine/data/decodeImage';
import { encodePng, jpegFromRgb, solidJpeg } from '../../../fixtures/dataFixtures';

describe('data: decodeImage', () => {
  it('decodes an 8-bit gray PNG to one channel', () => {
    const image = decodeImage(encodePng({ width: 2, height: 2, colorType: 0, samples: [0, 50, 200, 255] }));
    assert.deepStrictEqual([image.width, image.height, image.channels], [2, 2, 1]);
    assert.deepStrictEqual(Array.from(image.pixels), [0, 50, 200, 255]);
  });

  it('decodes a gray+alpha PNG to one channel, dropping alpha', () => {
    const image = decodeImage(encodePng({ width: 2, height: 1, colorType: 4, samples: [10, 0, 240, 128] }));
    assert.strictEqual(image.channels, 1);
    assert.deepStrictEqual(Array.from(image.pixels), [10, 240]);
  });

  it('decodes an RGB PNG', () => {
    const samples = [255, 0, 0, 0, 255, 0, 0, 0, 255, 1, 2, 3];
    const image = decodeImage(encodePng({ width: 2, height: 2, colorType: 2, samples }));
    assert.strictEqual(image.channels, 3);
    assert.deepStrictEqual(Array.from(image.pixels), samples);
  });

  it('decodes an RGBA PNG to RGB, dropping alpha', () => {
    const image = decodeImage(encodePng({ width: 2, height: 1, colorType: 6, samples: [9, 8, 7, 0, 1, 2, 3, 255] }));
    assert.strictEqual(image.channels, 3);
    assert.deepStrictEqual(Array.from(image.pixels), [9, 8, 7, 1, 2, 3]);
  });

  it('decodes palette PNGs (8-bit and 4-bit indices) to RGB', () => {
    const palette = [[10, 20, 30], [200, 100, 50], [0, 255, 0]];
    for (const bitDepth of [8, 4] as const) {
      const image = decodeImage(encodePng({ width: 3, height: 1, colorType: 3, bitDepth, palette, samples: [2, 0, 1] }));
      assert.strictEqual(image.channels, 3, `bit depth ${bitDepth}`);
      assert.deepStrictEqual(Array.from(image.pixels), [0, 255, 0, 10, 20, 30, 200, 100, 50], `bit depth ${bitDepth}`);
    }
  });

  it('decodes 16-bit gray and RGB PNGs, scaled to 8 bits', () => {
    const gray = decodeImage(encodePng({ width: 3, height: 1, colorType: 0, bitDepth: 16, samples: [0, 0x8080, 65535] }));
    assert.strictEqual(gray.channels, 1);
    assert.deepStrictEqual(Array.from(gray.pixels), [0, 128, 255]);
    const rgb = decodeImage(encodePng({ width: 1, height: 1, colorType: 2, bitDepth: 16, samples: [65535, 0, 0x1010] }));
    assert.deepStrictEqual(Array.from(rgb.pixels), [255, 0, 16]);
  });

  it('decodes a 1-bit gray PNG', () => {
    const image = decodeImage(encodePng({ width: 3, height: 1, colorType: 0, bitDepth: 1, samples: [1, 0, 1] }));
    assert.deepStrictEqual(Array.from(image.pixels), [255, 0, 255]);
  });

  it('decodes a JPEG to RGB (lossy: within a few levels)', () => {
    const image = decodeImage(solidJpeg(8, 8, [200, 40, 90]));
    assert.deepStrictEqual([image.width, image.height, image.channels], [8, 8, 3]);
    for (let i = 0; i < 64; i++) {
      const px = Array.from(image.pixels.subarray(i * 3, i * 3 + 3));
      [200, 40, 90].forEach((v, c) => assert.ok(Math.abs(px[c] - v) <= 3, `pixel ${i}: ${px}`));
    }
    assert.strictEqual(image.pixels.length, 8 * 8 * 3);
  });

  it('sniffs the format from the bytes, not the name', () => {
    assert.strictEqual(sniffImageFormat(encodePng({ width: 1, height: 1, colorType: 0, samples: [1] })), 'png');
    assert.strictEqual(sniffImageFormat(jpegFromRgb(1, 1, [1, 2, 3])), 'jpeg');
    assert.strictEqual(sniffImageFormat(Buffer.from('GIF89a')), null);
  });

  it('throws on garbage and on a truncated PNG', () => {
    assert.throws(() => decodeImage(Buffer.from('not an image at all')), /not a PNG or JPEG/);
    const png = encodePng({ width: 4, height: 4, colorType: 2, samples: new Array(48).fill(7) });
    assert.throws(() => decodeImage(png.subarray(0, png.length - 20)));
    const huge = Buffer.from(png);
    huge.writeUInt32BE(20000, 16);
    huge.writeUInt32BE(20000, 20);
    assert.throws(() => decodeImage(huge), /over the 100-megapixel limit/);
  });
});
