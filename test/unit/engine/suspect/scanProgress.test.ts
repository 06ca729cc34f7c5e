/**
 * The suspect scan says where it is (class k of K, rounds, ETA) through its progress callback,
 * stops at a cancel mid-scan without leaving tensors, and returns the recovered mask, pattern and
 * one of the user's images with the trigger stamped on, as native-size PNGs.
 */
import * as assert from 'assert';
import * as tf from '@tensorflow/tfjs';
import { PNG } from 'pngjs';
import { scanClassTriggers, scanEtaSeconds, stampTrigger, type ScanProgress } from '../../../../src/engine/suspect/suspectScan';
import { blockClassifier, blockImages, BLOCK_CLASSES } from '../../../fixtures/diagnosticsFixtures';

const options = { scaling: { mode: 'unit' as const }, images: 40, rounds: 3, stepsPerRound: 3 };

function pngSize(dataUri: string | null | undefined): [number, number] {
  const png = PNG.sync.read(Buffer.from((dataUri ?? '').replace('data:image/png;base64,', ''), 'base64'));
  return [png.width, png.height];
}

describe('suspect scan progress, cancel and pictures', function () {
  this.timeout(60_000);
  before(async () => {
    await tf.setBackend('cpu');
  });

  it('reports class k of K with its rounds, in order, with an ETA once a round is done', async () => {
    const model = blockClassifier(3);
    const seen: ScanProgress[] = [];
    await scanClassTriggers(model, blockImages(40).source, { ...options, onProgress: (p) => seen.push(p) });
    assert.deepStrictEqual(seen[0], { classIndex: 1, classes: BLOCK_CLASSES, round: 0, rounds: 3, etaSeconds: null });
    assert.deepStrictEqual([...new Set(seen.map((p) => p.classIndex))], Array.from({ length: BLOCK_CLASSES }, (_, i) => i + 1));
    const last = seen[seen.length - 1];
    assert.deepStrictEqual([last.classIndex, last.round], [BLOCK_CLASSES, 3]);
    assert.ok(seen.slice(1).every((p) => typeof p.etaSeconds === 'number' && p.etaSeconds >= 0), 'every event after the first round has an ETA');
    assert.strictEqual(last.etaSeconds, 0);
    model.dispose();
  });

  it('stops at a cancel during the scan, before the next class, with no tensor left', async () => {
    const model = blockClassifier(3);
    const controller = new AbortController();
    const classes: number[] = [];
    const before = tf.memory().numTensors;
    await assert.rejects(
      scanClassTriggers(model, blockImages(40).source, {
        ...options,
        signal: controller.signal,
        onProgress: (p) => {
          classes.push(p.classIndex);
          if (p.classIndex === 2 && p.round === 1) controller.abort();
        },
      }),
      (error: Error) => /abort|cancel/i.test(`${error.name} ${error.message}`),
    );
    assert.ok(Math.max(...classes) <= 2, `went on to class ${Math.max(...classes)}`);
    assert.strictEqual(tf.memory().numTensors, before, 'no tensor left behind');
    model.dispose();
  });

  it('returns the mask, pattern and a stamped image at the model input size', async () => {
    const model = blockClassifier(7);
    const { result } = await scanClassTriggers(model, blockImages(40).source, options);
    for (const image of [result.maskImage, result.patternImage, result.stampedImage]) {
      assert.match(image ?? '', /^data:image\/png;base64,/);
      assert.deepStrictEqual(pngSize(image), [8, 8]);
    }
    model.dispose();
  });

  it('stamps (1 - m) x + m p per pixel, the mask shared by the channels', () => {
    const image = Float32Array.from([0.2, 0.2, 0.4, 0.4]); // 2 pixels x 2 channels
    const stamped = stampTrigger(image, { class: 0, maskL1: 1, flipRate: 1, images: 1, mask: Float32Array.from([0, 1]), pattern: Float32Array.from([1, 1, 0.9, 0.1]) });
    assert.deepStrictEqual(Array.from(stamped, (v) => Number(v.toFixed(4))), [0.2, 0.2, 0.9, 0.1]);
  });

  it('ETA: mean seconds per round times the rounds left; none before a round ends', () => {
    assert.strictEqual(scanEtaSeconds(0, 80, 0), null);
    assert.strictEqual(scanEtaSeconds(8, 80, 16), 144);
    assert.strictEqual(scanEtaSeconds(80, 80, 160), 0);
  });
});
