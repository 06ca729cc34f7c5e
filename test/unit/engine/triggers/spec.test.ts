import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { InputError } from '../../../../src/engine/errors';
import { loadTriggerSpec, parseTriggerSpec } from '../../../../src/engine/triggers/spec';

/** Asserts that parsing throws an InputError whose message is exactly `message`. */
function rejects(json: unknown, message: string, baseDir = os.tmpdir()): void {
  assert.throws(
    () => parseTriggerSpec(json, baseDir, 'trigger.json'),
    (err: unknown) => err instanceof InputError && err.message === message,
    message,
  );
}

describe('trigger spec parsing', () => {
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bcu-trigger-spec-'));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('fills the reference defaults for every type', () => {
    assert.deepStrictEqual(parseTriggerSpec({ type: 'badnets' }, dir), {
      type: 'badnets', target: 0, poisonLabel: 'dirty', size: 3, position: 'bottom-right',
    });
    assert.deepStrictEqual(parseTriggerSpec({ type: 'blended' }, dir), {
      type: 'blended', target: 0, poisonLabel: 'dirty', image: null, alpha: 0.2, seed: 1,
    });
    assert.deepStrictEqual(parseTriggerSpec({ type: 'sig' }, dir), {
      type: 'sig', target: 0, poisonLabel: 'clean', delta: 20, freq: 6,
    });
    assert.deepStrictEqual(parseTriggerSpec({ type: 'wanet' }, dir), {
      type: 'wanet', target: 0, poisonLabel: 'dirty', k: 4, s: 0.5, seed: 1, crossRatio: 2,
    });
  });

  it('keeps the values given, the design examples included', () => {
    assert.deepStrictEqual(parseTriggerSpec({ type: 'badnets', target: 7, size: 5, position: 'top-left' }, dir), {
      type: 'badnets', target: 7, poisonLabel: 'dirty', size: 5, position: 'top-left',
    });
    assert.deepStrictEqual(parseTriggerSpec({ type: 'sig', target: 2, delta: 40, freq: 10, poisonLabel: 'dirty' }, dir), {
      type: 'sig', target: 2, poisonLabel: 'dirty', delta: 40, freq: 10,
    });
    assert.deepStrictEqual(parseTriggerSpec({ type: 'wanet', target: 0, k: 8, s: 1, seed: 9 }, dir), {
      type: 'wanet', target: 0, poisonLabel: 'dirty', k: 8, s: 1, seed: 9, crossRatio: 2,
    });
    const blended = parseTriggerSpec({ type: 'blended', target: 3, image: null, alpha: 1, seed: 4 }, dir);
    assert.deepStrictEqual(blended, { type: 'blended', target: 3, poisonLabel: 'dirty', image: null, alpha: 1, seed: 4 });
  });

  it('names the file and the field in every error', () => {
    rejects({ type: 'blended', alpha: 3 }, 'trigger.json: alpha must be in (0,1], got 3');
    rejects({ type: 'blended', alpha: 0 }, 'trigger.json: alpha must be in (0,1], got 0');
    rejects({ type: 'blended', alpha: '0.2' }, 'trigger.json: alpha must be in (0,1], got "0.2"');
    rejects([], 'trigger.json: must be a JSON object like {"type":"badnets","target":0}, got an array');
    rejects({ target: 0 }, 'trigger.json: type must be one of "badnets", "blended", "sig", "wanet", got nothing');
    rejects({ type: 'trojan' }, 'trigger.json: type must be one of "badnets", "blended", "sig", "wanet", got "trojan"');
    rejects(
      { type: 'blended', aplha: 0.2 },
      'trigger.json: unknown field "aplha" for type "blended"; allowed: type, target, poisonLabel, image, alpha, seed',
    );
    rejects({ type: 'badnets', target: -1 }, 'trigger.json: target must be an integer >= 0, got -1');
    rejects({ type: 'badnets', target: 1.5 }, 'trigger.json: target must be an integer >= 0, got 1.5');
    rejects({ type: 'badnets', size: 0 }, 'trigger.json: size must be an integer in [1, 4096], got 0');
    rejects(
      { type: 'badnets', position: 'center' },
      'trigger.json: position must be one of "bottom-right", "bottom-left", "top-right", "top-left", got "center"',
    );
    rejects({ type: 'sig', delta: 0 }, 'trigger.json: delta must be in (0,255], got 0');
    rejects({ type: 'sig', freq: -6 }, 'trigger.json: freq must be in (0,1000000], got -6');
    rejects({ type: 'wanet', k: 1 }, 'trigger.json: k must be an integer in [2, 4096], got 1');
    rejects({ type: 'wanet', s: 0 }, 'trigger.json: s must be in (0,1000], got 0');
    rejects({ type: 'wanet', seed: -3 }, 'trigger.json: seed must be an integer in [0, 4294967295], got -3');
    rejects(
      { type: 'sig', poisonLabel: 'grey' },
      'trigger.json: poisonLabel must be one of "dirty", "clean", got "grey"',
    );
    rejects(
      { type: 'blended', image: 42 },
      'trigger.json: image must be the path of a PNG or JPEG image, or null for random pixels, got 42',
    );
  });

  it('resolves a relative image path against the spec file folder and checks that it exists', async () => {
    const sub = path.join(dir, 'specs');
    fs.mkdirSync(sub, { recursive: true });
    fs.writeFileSync(path.join(sub, 'kitty.png'), Buffer.from([0]));
    fs.writeFileSync(path.join(sub, 'trigger.json'), JSON.stringify({ type: 'blended', image: 'kitty.png' }));
    const spec = await loadTriggerSpec(path.join(sub, 'trigger.json'));
    assert.strictEqual(spec.type, 'blended');
    assert.strictEqual(spec.type === 'blended' && spec.image, path.join(sub, 'kitty.png'));

    fs.writeFileSync(path.join(sub, 'missing.json'), JSON.stringify({ type: 'blended', image: 'nope.png' }));
    const missing = path.join(sub, 'missing.json');
    await assert.rejects(loadTriggerSpec(missing), (err: unknown) => {
      return (
        err instanceof InputError &&
        err.message ===
          `${missing}: image "nope.png" does not exist (looked for ${path.join(sub, 'nope.png')}); a relative path is read from the spec's folder.`
      );
    });
  });

  it('reports unreadable files and broken JSON with the file name', async () => {
    const absent = path.join(dir, 'absent.json');
    await assert.rejects(loadTriggerSpec(absent), (err: unknown) => {
      return err instanceof InputError && err.message === `${absent}: cannot read the trigger spec (ENOENT); check the path.`;
    });
    const broken = path.join(dir, 'broken.json');
    fs.writeFileSync(broken, '{"type": "badnets",');
    await assert.rejects(loadTriggerSpec(broken), (err: unknown) => {
      return err instanceof InputError && err.message.startsWith(`${broken}: not valid JSON (`);
    });
  });
});
