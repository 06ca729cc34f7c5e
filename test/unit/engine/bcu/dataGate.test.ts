import * as assert from 'assert';
import { CLEANSE_DEFAULTS } from '../../../../src/engine/bcu/cleanseDefaults';
import { dataGateMessage, mildSettings, outOfDistribution } from '../../../../src/engine/bcu/dataGate';
import type { DataQuality } from '../../../../src/shared/report';

const quality = (over: Partial<DataQuality>): DataQuality => ({
  images: 5000, meanConfidence: 0.9, meanEntropy: 0.1, classShares: Array(10).fill(0.1), topClassShare: 0.1, verdict: 'ok', reasons: [], ...over,
});

describe('the data check as a gate', () => {
  it('stops on out-of-distribution figures (confidence, entropy, skew), not on the image count alone', () => {
    assert.strictEqual(outOfDistribution(quality({})), false);
    assert.strictEqual(outOfDistribution(quality({ images: 96, verdict: 'warn', reasons: ['Only 96 images'] })), false);
    assert.strictEqual(outOfDistribution(quality({ meanConfidence: 0.6 })), true);
    assert.strictEqual(outOfDistribution(quality({ meanEntropy: 0.4 })), true);
    // The MNIST digits on the VGG BadNets model of issue 13: 92 % of them in one class.
    assert.strictEqual(outOfDistribution(quality({ topClassShare: 0.92 })), true);
  });

  it('says why and what to do in one line', () => {
    const text = dataGateMessage('/d/mnist', quality({ topClassShare: 0.92, verdict: 'warn', reasons: ['The model puts 92% of these images in class 8.'] }));
    assert.ok(!text.includes('\n'));
    assert.match(text, /\/d\/mnist: The model puts 92% .* stopped before training.*--accept-data-warning/);
  });

  it('milder settings touch only what the user left at its default, and say what they changed', () => {
    const settings = { ...CLEANSE_DEFAULTS, bnRecalibration: 2000 };
    const all = mildSettings(settings, () => false);
    assert.strictEqual(all.changes.bnRecalibration, 0);
    const schedule = all.changes.schedule as typeof settings.schedule;
    assert.ok(Math.abs(schedule.deepest - settings.schedule.deepest / 3) < 1e-12);
    assert.match(all.text, /no BatchNorm recalibration.*divided by 3/);
    const mine = mildSettings(settings, (k) => k === 'bnRecalibrate' || k === 'ratioDeepest');
    assert.strictEqual('bnRecalibration' in mine.changes, false);
    assert.strictEqual((mine.changes.schedule as typeof settings.schedule).deepest, settings.schedule.deepest);
  });
});
