/**
 * The editor's demo job: a new folder with a backdoored model, unlabeled and labeled image folders
 * and the trigger spec; it refuses a folder that exists, and a cancel leaves nothing.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { initBackend } from '../../../../src/engine/backend';
import { runDemoSetup } from '../../../../src/engine/attackLab/demoSetup';
import type { EngineEvent } from '../../../../src/shared/protocol';

const tiny = { train: 120, attackEpochs: 1, unlabeled: 12, test: 20 };

describe('demo setup job', function () {
  this.timeout(120_000);
  let dir: string;
  before(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bcu-demo-setup-'))));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('makes the model, the image folders and the trigger spec the panel is filled with', async () => {
    const backend = await initBackend('cpu');
    const events: EngineEvent[] = [];
    const out = path.join(dir, 'demo');
    const result = await runDemoSetup({ out, sizes: tiny }, backend, (e) => events.push(e));
    assert.equal(result.folder, out);
    assert.equal(result.model, path.join(out, 'backdoored', 'model.json'));
    assert.ok(fs.existsSync(result.model));
    assert.equal(fs.readdirSync(result.data).filter((f) => f.endsWith('.png')).length, tiny.unlabeled);
    const classes = fs.readdirSync(result.evalData);
    assert.ok(classes.length > 1 && classes.every((c) => /^\d+$/.test(c)), classes.join(','));
    assert.equal(JSON.parse(fs.readFileSync(result.trigger, 'utf8')).target, 0);
    assert.ok(events.some((e) => e.type === 'progress' && e.phase === 'train'), 'the attack training reports progress');
  });

  it('refuses a folder that exists, and leaves it alone', async () => {
    const backend = await initBackend('cpu');
    const out = path.join(dir, 'mine');
    fs.mkdirSync(out);
    fs.writeFileSync(path.join(out, 'keep.txt'), 'x');
    await assert.rejects(runDemoSetup({ out, sizes: tiny }, backend, () => undefined), /already exists/);
    assert.deepEqual(fs.readdirSync(out), ['keep.txt']);
  });

  it('removes its folder when cancelled during the attack training', async () => {
    const backend = await initBackend('cpu');
    const out = path.join(dir, 'cancelled');
    const controller = new AbortController();
    const sink = (e: EngineEvent) => {
      if (e.type === 'progress' && e.phase === 'train') controller.abort();
    };
    await assert.rejects(runDemoSetup({ out, sizes: tiny }, backend, sink, controller.signal));
    assert.equal(fs.existsSync(out), false);
  });
});
