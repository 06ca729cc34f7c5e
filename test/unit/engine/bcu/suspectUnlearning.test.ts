import * as assert from 'assert';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { recoverSuspectTrigger, writeTriggerImage } from '../../../../src/engine/bcu/suspectUnlearning';
import type { EngineEvent } from '../../../../src/shared/protocol';
import { blockClassifier, blockImages, TRIGGER_PIXEL } from '../../../fixtures/diagnosticsFixtures';

describe('unlearning the recovered trigger (--unlearn-suspect)', () => {
  before(async () => {
    await tf.setBackend('cpu');
  });

  const scan = { images: 60, rounds: 6, stepsPerRound: 8, checkImages: 32 };

  it('a planted one-pixel backdoor: the stamp is the suspect class\'s mask on that pixel, pattern on 0..255', async () => {
    const model = blockClassifier(7);
    const { source } = blockImages(60);
    const events: EngineEvent[] = [];
    const found = await recoverSuspectTrigger(model, source, { unlearnSuspect: 0.4, scaling: { mode: 'unit' }, seed: 0, scan }, (e) => events.push(e));
    assert.strictEqual(found.scan.suspect?.class, 7);
    assert.ok(found.recovered, 'a trigger to unlearn');
    const { mask, pattern, share } = found.recovered!;
    assert.strictEqual(share, 0.4);
    assert.strictEqual(mask.indexOf(Math.max(...mask)), TRIGGER_PIXEL);
    assert.ok(Math.max(...pattern) > 1 && Math.max(...pattern) <= 255, 'pattern on the raw pixel scale');
    assert.ok(events.some((e) => e.type === 'log' && e.level === 'warn' && /class 7 stands out/.test(e.message)));
    model.dispose();
  });

  it('with unlearnFocus, the scan localizes the suspect\'s trigger on its own images and only that part is stamped', async () => {
    const model = blockClassifier(7);
    const { source } = blockImages(60);
    const found = await recoverSuspectTrigger(model, source, { unlearnSuspect: 0.4, unlearnFocus: true, scaling: { mode: 'unit' }, seed: 0, scan }, () => undefined);
    const focus = found.scan.focus;
    assert.ok(focus, 'the record says what was unlearned');
    assert.ok(focus.fullFlipRate > 0.9 && focus.flipRate >= 0.8 * focus.fullFlipRate, JSON.stringify(focus));
    const { mask } = found.recovered!;
    assert.ok(mask[TRIGGER_PIXEL] > 0, 'the planted pixel is still stamped');
    if (focus.window) {
      const { top, left, size } = focus.window;
      mask.forEach((v, i) => {
        const y = Math.floor(i / 8);
        const x = i % 8;
        if (v > 0) assert.ok(y >= top && y < top + size && x >= left && x < left + size, `pixel ${i} outside the kept window`);
      });
    }
    model.dispose();
  });

  it('a clean model: no suspect, nothing stamped, and the trigger image is written as a PNG file', async () => {
    const model = blockClassifier(null);
    const { source } = blockImages(60);
    const found = await recoverSuspectTrigger(model, source, { unlearnSuspect: 0.4, scaling: { mode: 'unit' }, seed: 0, scan }, () => undefined);
    assert.strictEqual(found.scan.suspect, null);
    assert.strictEqual(found.recovered, null);
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'bcu-unlearn-'));
    const name = await writeTriggerImage(found.scan.triggerImage, dir);
    assert.strictEqual(name, 'suspect-trigger.png');
    const bytes = await fs.readFile(path.join(dir, name!));
    assert.deepStrictEqual([...bytes.subarray(1, 4)], [0x50, 0x4e, 0x47], 'PNG signature');
    assert.strictEqual(await writeTriggerImage(null, dir), null);
    await fs.rm(dir, { recursive: true, force: true });
    model.dispose();
  });
});
