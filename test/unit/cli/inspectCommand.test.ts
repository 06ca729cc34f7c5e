/**
 * `bcu inspect --data --json` through the real launcher (bin/bcu.js -> dist/cli.js; `npm run build`
 * first): the result line carries per-layer diagnostics, data quality and the suspect class of a
 * constructed one-pixel backdoor (test/fixtures/diagnosticsFixtures.ts).
 */
import * as assert from 'assert';
import * as tf from '@tensorflow/tfjs';
import { spawnSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { encodeIdx } from '../../../src/engine/data/idxWriter';
import { saveModel } from '../../../src/engine/modelIo';
import { blockClassifier, blockImages } from '../../fixtures/diagnosticsFixtures';
import { makeTempDir, removeDir } from '../../fixtures/modelFixtures';
import { BCU_BIN, requireBuiltCli } from '../../fixtures/repoPaths';

const BCU = BCU_BIN;

describe('bcu inspect --data', function () {
  this.timeout(120_000);
  let dir: string;

  before(async () => {
    requireBuiltCli();
    await tf.setBackend('cpu');
    dir = await makeTempDir('inspect-diagnostics');
    const model = blockClassifier(4);
    await saveModel(model, path.join(dir, 'model'));
    model.dispose();
    await fs.writeFile(path.join(dir, 'pool-images-idx3-ubyte'), encodeIdx([100, 8, 8], blockImages(100).pixels));
  });

  after(async () => {
    await removeDir(dir);
  });

  const inspect = (extra: string[]) => {
    const r = spawnSync(process.execPath, [BCU, 'inspect', '--model', path.join(dir, 'model', 'model.json'), '--backend', 'cpu', '--json', ...extra], { encoding: 'utf8', timeout: 110_000 });
    assert.strictEqual(r.status, 0, r.stderr);
    const lines = r.stdout.trim().split('\n');
    return JSON.parse(lines[lines.length - 1]);
  };

  it('prints diagnostics, data quality and the suspect class as the last JSON line', () => {
    const result = inspect(['--data', path.join(dir, 'pool-images-idx3-ubyte'), '--limit', '100']);
    assert.strictEqual(result.type, 'result');
    const classifier = result.layers.find((l: { name: string }) => l.name === 'classifier');
    for (const key of ['lipschitzMax', 'lipschitzZ', 'bnDivergence', 'warning']) assert.ok(key in classifier, key);
    assert.strictEqual(result.dataQuality.images, 100);
    assert.deepStrictEqual(result.suspect.class, 4);
    assert.ok(result.suspect.anomalyIndex > 2);
    assert.strictEqual(result.suspectScan.perClass.length, 10);
    assert.match(result.suspectScan.triggerImage, /^data:image\/png;base64,/);
  });

  it('--no-suspect skips the scan; without --data only the data-free figures', () => {
    const skipped = inspect(['--data', path.join(dir, 'pool-images-idx3-ubyte'), '--no-suspect']);
    assert.strictEqual(skipped.suspect, null);
    assert.strictEqual(skipped.suspectScan, null);
    assert.ok(skipped.dataQuality);
    const bare = inspect([]);
    assert.strictEqual(bare.dataQuality, undefined);
    assert.ok(bare.layers.every((l: { activationMean?: number }) => l.activationMean === undefined));
  });
});
