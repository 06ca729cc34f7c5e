/**
 * The Neural-Cleanse-style suspect scan on constructed classifiers (test/fixtures/diagnosticsFixtures.ts):
 * a one-pixel backdoor to class K is named with anomaly index > 2; the clean twin names nobody.
 */
import * as assert from 'assert';
import * as tf from '@tensorflow/tfjs';
import { anomalyIndices, median } from '../../src/engine/diagnostics/anomalyIndex';
import { scanClassTriggers, suspectScan } from '../../src/engine/diagnostics/suspectScan';
import { blockClassifier, blockImages, BLOCK_CLASSES, TRIGGER_PIXEL } from '../fixtures/diagnosticsFixtures';

// A smaller budget than the defaults keeps the file fast; the constructed backdoor stands out anyway.
const options = { scaling: { mode: 'unit' as const }, images: 60, rounds: 6, stepsPerRound: 6 };

describe('suspect scan (Neural Cleanse)', function () {
  this.timeout(60_000);
  before(async () => {
    await tf.setBackend('cpu');
  });

  it('anomaly index: MAD x 1.4826 around the median, small side positive', () => {
    assert.strictEqual(median([3, 1, 2]), 2);
    assert.strictEqual(median([4, 1, 3, 2]), 2.5);
    // median 10, MAD 0: floored at 5 % of the median (0.5)
    const a = anomalyIndices([10, 10, 10, 10, 12, 10, 10, 10, 10, 1]);
    assert.ok(Math.abs(a[9] - 9 / 0.5) < 1e-9);
    assert.ok(a[4] < 0, 'a larger mask is never an outlier');
    // a spread set: median 5, deviations 0,1,1,2,2 -> MAD 1 x 1.4826
    const b = anomalyIndices([5, 4, 6, 3, 7]);
    assert.ok(Math.abs(b[3] - 2 / 1.4826) < 1e-9);
  });

  it('names the backdoor target of a one-pixel backdoor, with a tiny mask and a PNG of the trigger', async () => {
    const target = 7;
    const model = blockClassifier(target);
    const { source } = blockImages(60);
    const tensorsBefore = tf.memory().numTensors;
    const { result: scan, triggers } = await scanClassTriggers(model, source, options);
    assert.strictEqual(tf.memory().numTensors, tensorsBefore, 'no tensor left behind');
    // The recovered mask for the target sits on the planted pixel.
    const mask = triggers[target].mask;
    assert.strictEqual(mask.indexOf(Math.max(...mask)), TRIGGER_PIXEL);
    assert.strictEqual(scan.perClass.length, BLOCK_CLASSES);
    assert.ok(scan.suspect, JSON.stringify(scan.perClass));
    assert.strictEqual(scan.suspect!.class, target);
    assert.ok(scan.suspect!.anomalyIndex > 2);
    const byClass = scan.perClass.map((c) => c.maskL1);
    // One pixel against a six-pixel block: the target's mask is several times smaller than any other.
    const others = byClass.filter((_, c) => c !== target);
    assert.ok(byClass[target] * 3 < Math.min(...others), `target mask ${byClass[target]}, others ${others}`);
    assert.ok(scan.perClass[target].flipRate >= 0.95, `target flips ${scan.perClass[target].flipRate}`);
    assert.match(scan.triggerImage ?? '', /^data:image\/png;base64,iVBORw0KGgo/);
    model.dispose();
  });

  it('names no suspect on the clean twin', async () => {
    const model = blockClassifier(null);
    const { source } = blockImages(60);
    const scan = await suspectScan(model, source, options);
    assert.strictEqual(scan.suspect, null, JSON.stringify(scan.perClass));
    for (const c of scan.perClass) assert.ok(c.anomalyIndex <= 2);
    assert.ok(scan.triggerImage?.startsWith('data:image/png;base64,'));
    model.dispose();
  });
});
