/** The `bcu inspect --data` suspect line: which rule named the class, and the warp check's figures. */
import * as assert from 'assert';
import { suspectSummary } from '../../../src/cli/suspectSummary';

describe('bcu inspect: suspect line', () => {
  const perClass = [{ class: 0, maskL1: 34, flipRate: 0.97, anomalyIndex: 6.1 }];
  it('names the mask rule when the mask was small enough', () => {
    assert.match(suspectSummary({ class: 0, anomalyIndex: 6.1 }, { perClass, suspect: { class: 0, anomalyIndex: 6.1 } }), /^suspect: class 0 \(anomaly index 6\.10 > 2, mask under 0\.4/);
  });
  it('names the warp check, with each checked class and its flip rate', () => {
    const scan = { perClass, suspect: { class: 0, anomalyIndex: 6.1, evidence: 'warp' as const }, warpChecks: [{ class: 0, flipRate: 1, meanShiftPx: 0.3 }, { class: 8, flipRate: 0.2, meanShiftPx: 0.8 }] };
    assert.strictEqual(
      suspectSummary(scan.suspect, scan),
      "suspect: class 0 (anomaly index 6.10; no mask is under 0.4 of the median class's, but a one-pixel warp flips the images; one-pixel warp check: class 0 100 %, class 8 20 %)",
    );
  });
  it('says none, with the warp checks that ran and failed', () => {
    assert.match(suspectSummary(null, { perClass, suspect: null, warpChecks: [{ class: 6, flipRate: 0.3, meanShiftPx: 0.8 }] }), /^suspect: none .*class 6 30 %\)$/);
    assert.match(suspectSummary(null, { perClass, suspect: null }), /^suspect: none \(no class .*sends the images to\)$/);
  });
});
