/**
 * The Neural-Cleanse-style suspect scan on constructed classifiers (test/fixtures/diagnosticsFixtures.ts):
 * a one-pixel backdoor to class K is named with anomaly index > 2; the clean twin names nobody.
 */
import * as assert from 'assert';
import * as tf from '@tensorflow/tfjs';
import { anomalyIndices, median } from '../../../../src/engine/suspect/anomalyIndex';
import { isSuspect, scanClassTriggers, suspectScan } from '../../../../src/engine/suspect/suspectScan';
import { blockClassifier, blockImages, BLOCK_CLASSES, TRIGGER_PIXEL } from '../../../fixtures/diagnosticsFixtures';

// A smaller budget than the defaults keeps the file fast; the constructed backdoor stands out anyway.
const options = { scaling: { mode: 'unit' as const }, images: 60, rounds: 6, stepsPerRound: 6 };

describe('suspect scan (Neural Cleanse)', function () {
  this.timeout(60_000);
  before(async () => {
    await tf.setBackend('cpu');
  });

  it('anomaly index: MAD x 1.4826 of the log norms around their median, small side positive', () => {
    assert.strictEqual(median([3, 1, 2]), 2);
    assert.strictEqual(median([4, 1, 3, 2]), 2.5);
    // median log 10, MAD 0: floored at log(1.05), a 5 % relative spread
    const a = anomalyIndices([10, 10, 10, 10, 12, 10, 10, 10, 10, 1]);
    assert.ok(Math.abs(a[9] - Math.log(10) / Math.log(1.05)) < 1e-9);
    assert.ok(a[4] < 0, 'a larger mask is never an outlier');
    // logs 0, -1, 1, -2, 2: median 0, deviations 0,1,1,2,2 -> MAD 1 x 1.4826
    const b = anomalyIndices([10, 10 * Math.exp(-1), 10 * Math.E, 10 * Math.exp(-2), 10 * Math.exp(2)]);
    assert.ok(Math.abs(b[3] - 2 / 1.4826) < 1e-9);
    // a class every image already lands in (norm 0) gets a large finite index
    const c = anomalyIndices([0, 50, 60, 70, 80]);
    assert.ok(Number.isFinite(c[0]) && c[0] > 2);
    // scale-free: the same ratios give the same indices
    const d = anomalyIndices([10, 50, 60, 70, 80]).map((v, i) => v - anomalyIndices([100, 500, 600, 700, 800])[i]);
    assert.ok(d.every((v) => Math.abs(v) < 1e-9));
  });

  it('suspect rule on the calibration scans (docs/diagnostics.md): attacked models flagged at their target, no clean one', () => {
    const suspectOf = (norms: number[], flipRate = 1) => {
      const indices = anomalyIndices(norms);
      const top = indices.indexOf(Math.max(...indices));
      return isSuspect(indices[top], norms[top], norms, flipRate) ? top : null;
    };
    // Mask L1 per class, Fashion-MNIST; the target is class 0 in every attack.
    const attacked: Record<string, number[]> = {
      'BadNets small CNN (npm run demo)': [25, 121, 92, 161, 154, 121, 92, 176, 78, 176],
      'BadNets small CNN, seed 1': [29.0, 167.6, 89.8, 185.7, 149.5, 119.5, 79.7, 175.6, 79.2, 144.0],
      'BadNets ResNet-8': [13.0, 70.2, 67.6, 83.2, 77.3, 84.2, 31.6, 114.4, 38.0, 73.6],
      'BadNets resnet-tiny': [10, 57, 53, 93, 76, 58, 70, 91, 65, 86],
      'Blended resnet-tiny': [16, 61, 38, 88, 72, 65, 67, 53, 66, 69],
      'WaNet resnet-tiny': [16, 105, 66, 98, 91, 90, 57, 96, 78, 90],
      // The strong PyTorch-trained calibration fixtures (bench/fixtures/resnet-*-s0).
      'resnet-badnets-s0': [7.4, 113.4, 49.7, 103.1, 81.2, 69.5, 58.3, 91.6, 59.3, 94.2],
      'resnet-blended-s0': [19.9, 102.5, 92.6, 99.3, 85.8, 80.0, 72.7, 101.2, 74.6, 97.9],
      'resnet-sig-s0': [12.4, 97.2, 70.7, 97.9, 87.7, 83.0, 54.3, 98.2, 68.8, 88.6],
      // 0.37 of the median, index 3.44: the thin side of the rule.
      'resnet-wanet-s0': [20.8, 68.8, 54.8, 63.6, 57.5, 46.6, 45.8, 69.2, 35.1, 59.7],
    };
    const clean: Record<string, number[]> = {
      'small CNN, 2 epochs': [128.2, 191.0, 99.2, 166.5, 157.6, 173.7, 108.5, 209.5, 155.0, 218.1],
      'small CNN, seed 0': [133.2, 118.6, 125.9, 171.9, 134.6, 135.9, 86.7, 174.0, 110.3, 149.6],
      'small CNN, seed 1': [144.4, 171.5, 95.5, 187.7, 147.0, 126.2, 94.3, 174.4, 88.7, 152.1],
      'resnet-tiny, seed 0': [57.4, 75.8, 51.8, 93.2, 88.0, 65.8, 61.1, 91.3, 65.6, 81.2],
      // Strong clean ResNet-8 (91.3 % ACC): shirts (class 6) are a cheap way from most garments; index 3.44, 0.45 of the median.
      'resnet-clean-s0': [75.0, 99.6, 64.9, 100.7, 89.9, 85.7, 39.5, 103.5, 69.4, 102.6],
    };
    for (const [name, norms] of Object.entries(attacked)) assert.strictEqual(suspectOf(norms), 0, name);
    for (const [name, norms] of Object.entries(clean)) assert.strictEqual(suspectOf(norms), null, name);
    // The log index alone would have flagged two clean models (2.52, 3.44): the mask-share condition holds them back.
    assert.ok(Math.max(...anomalyIndices(clean['small CNN, seed 0'])) > 2);
    assert.ok(Math.max(...anomalyIndices(clean['resnet-clean-s0'])) > 3);
    // The price of the 0.4 share: a weak SIG model (resnet-tiny, 85 % ACC; its target at 0.43 of the median) is no longer named.
    assert.strictEqual(suspectOf([29, 68, 56, 74, 84, 67, 48, 81, 67, 79]), null);
    // A small mask that never flipped the images is no trigger (a clean VGG's false alarm: 15 % flipped).
    assert.strictEqual(suspectOf(attacked['resnet-badnets-s0'], 0.15), null);
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
    assert.strictEqual(scan.warpChecks, undefined, 'the mask rule named it: no warp check ran');
    model.dispose();
  });

  it("with blendSuspect, also fits the suspect's whole-image blend: a faint blend whose pattern lights the trigger pixel", async () => {
    const target = 7;
    const model = blockClassifier(target);
    const { source } = blockImages(60);
    const tensorsBefore = tf.memory().numTensors;
    const { result, blend } = await scanClassTriggers(model, source, { ...options, blendSuspect: true });
    assert.strictEqual(tf.memory().numTensors, tensorsBefore, 'no tensor left behind');
    assert.ok(blend, 'a blend for the suspect');
    assert.deepStrictEqual(result.blend, { alpha: blend!.alpha, flipRate: blend!.flipRate });
    assert.ok(blend!.flipRate >= 0.95, `the blend flips ${blend!.flipRate}`);
    assert.ok(blend!.alpha > 0 && blend!.alpha < 0.5, `strength ${blend!.alpha}: far below overwriting the image`);
    // The pattern lights the trigger pixel as brightly as anything (the target's own block is the other cheap way there).
    const pattern = Array.from(blend!.pattern);
    assert.ok(pattern[TRIGGER_PIXEL] >= Math.max(...pattern) - 0.05, `trigger pixel ${pattern[TRIGGER_PIXEL]}, brightest ${Math.max(...pattern)}`);
    assert.ok(pattern[TRIGGER_PIXEL] > 3 * median(pattern), `trigger pixel ${pattern[TRIGGER_PIXEL]}, median ${median(pattern)}`);
    model.dispose();
  });

  it('names no suspect on the clean twin', async () => {
    const model = blockClassifier(null);
    const { source } = blockImages(60);
    const scan = await suspectScan(model, source, options);
    assert.strictEqual(scan.suspect, null, JSON.stringify(scan.perClass));
    for (const c of scan.perClass) assert.ok(c.anomalyIndex <= 2);
    // The warp check ran on the three smallest masks, and no warp sent the images anywhere.
    assert.strictEqual(scan.warpChecks?.length, 3, JSON.stringify(scan.warpChecks));
    for (const w of scan.warpChecks!) assert.ok(w.flipRate < 0.65, JSON.stringify(w));
    assert.ok(scan.triggerImage?.startsWith('data:image/png;base64,'));
    model.dispose();
  });
});
