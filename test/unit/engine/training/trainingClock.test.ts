import * as assert from 'assert';
import { TrainingClock } from '../../../../src/engine/training/trainingClock';

describe('training clock: throughput and ETA of a training loop', () => {
  it('rates the images done since the start and gives the time left for the rest', async () => {
    const clock = new TrainingClock(300);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const first = clock.advance(100);
    assert.ok(first.imagesPerSecond !== null && first.imagesPerSecond > 0 && first.imagesPerSecond <= 100 / 0.045, `rate ${first.imagesPerSecond}`);
    assert.ok(first.etaSeconds !== null);
    // 200 images left at the measured rate.
    assert.ok(Math.abs(first.etaSeconds - 200 / first.imagesPerSecond) < 1e-9);
    const last = clock.advance(200);
    assert.equal(last.etaSeconds, 0, 'nothing left once every image is done');
  });
});
