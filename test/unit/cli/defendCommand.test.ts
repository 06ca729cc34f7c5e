/**
 * `bcu defend` through the real launcher (bin/bcu.js -> dist/cli.js; `npm run build` first): the
 * contract bench/defense.mjs relies on (last --json line is the DefendResult, report.json kind
 * 'defend'), the human result line, and exit 2 for unlabeled data given to a labeled method.
 */
import * as assert from 'assert';
import * as tf from '@tensorflow/tfjs';
import { spawnSync } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { encodeIdx } from '../../../src/engine/data/idxWriter';
import { saveModel } from '../../../src/engine/modelIo';
import { Rng } from '../../../src/engine/random';
import { makeTempDir, removeDir } from '../../fixtures/modelFixtures';
import { BCU_BIN, requireBuiltCli } from '../../fixtures/repoPaths';

const BCU = BCU_BIN;

function bcu(args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BCU, ...args], { encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('bcu defend (command line)', function () {
  this.timeout(120_000);
  let dir: string;
  let modelJson: string;

  before(async () => {
    requireBuiltCli();
    await tf.setBackend('cpu');
    dir = await makeTempDir('defend-cli');
    // conv(16) with one planted channel whose kernel is 50x the others: CLP must prune it.
    const model = tf.sequential({
      layers: [
        tf.layers.conv2d({ inputShape: [8, 8, 1], filters: 16, kernelSize: 3, activation: 'relu', name: 'conv', kernelInitializer: tf.initializers.heNormal({ seed: 1 }) }),
        tf.layers.globalAveragePooling2d({}),
        tf.layers.dense({ units: 3, activation: 'softmax', name: 'classifier' }),
      ],
    });
    const [kernel, bias] = model.getLayer('conv').getWeights();
    const planted = tf.tidy(() => tf.mul(kernel, tf.oneHot(7, 16).mul(49).add(1)));
    model.getLayer('conv').setWeights([planted, bias]);
    planted.dispose();
    await saveModel(model, path.join(dir, 'model'));
    model.dispose();
    modelJson = path.join(dir, 'model', 'model.json');
    const rng = new Rng(1);
    await fs.writeFile(path.join(dir, 'pool-images-idx3-ubyte'), encodeIdx([24, 8, 8], new Uint8Array(24 * 64).map(() => rng.int(256))));
  });

  after(async () => {
    await removeDir(dir);
  });

  it('--method clp --json: the last line is the DefendResult, report.json is kind defend, the planted channel is pruned', async () => {
    const out = path.join(dir, 'clp');
    const r = bcu(['defend', '--method', 'clp', '--model', modelJson, '--out', out, '--json']);
    assert.strictEqual(r.code, 0, r.stderr);
    const lines = r.stdout.trim().split('\n');
    const result = JSON.parse(lines[lines.length - 1]);
    assert.strictEqual(result.type, 'result');
    assert.strictEqual(result.method, 'clp');
    assert.strictEqual(result.needs, 'data-free');
    assert.deepStrictEqual(result.pruned, { conv: [7] });
    assert.strictEqual(result.model, path.join(out, 'model.json'));
    const report = JSON.parse(await fs.readFile(result.report, 'utf8'));
    assert.strictEqual(report.kind, 'defend');
    assert.deepStrictEqual(report.method, { id: 'clp', needs: 'data-free' });
    assert.deepStrictEqual(report.settings.pruned, { conv: [7] });
    assert.ok(existsSync(result.model));
  });

  it('human output names the method, what it needs and the pruned count', () => {
    const r = bcu(['defend', '--method', 'clp', '--model', modelJson, '--out', path.join(dir, 'clp-human'), '--u', '3']);
    assert.strictEqual(r.code, 0, r.stderr);
    assert.match(r.stdout, /defense clp \(needs: data-free\), 1 channel pruned; [\d.]+ s/);
    assert.match(r.stdout, /defended model: .*clp-human[\\/]model\.json/);
  });

  it('exit 2 with one line for unlabeled data given to ft, and for an unknown method', () => {
    const images = path.join(dir, 'pool-images-idx3-ubyte');
    const ft = bcu(['defend', '--method', 'ft', '--model', modelJson, '--data', images, '--out', path.join(dir, 'ft'), '--json']);
    assert.strictEqual(ft.code, 2, ft.stderr);
    assert.match(ft.stderr, /^bcu defend: .*pool-images-idx3-ubyte: --method ft needs labeled images/);
    assert.strictEqual(ft.stderr.trim().split('\n').length, 1);
    assert.ok(!existsSync(path.join(dir, 'ft')), 'nothing written');
    const bad = bcu(['defend', '--method', 'anp', '--model', modelJson, '--out', path.join(dir, 'anp')]);
    assert.strictEqual(bad.code, 2);
    assert.match(bad.stderr, /--method must be one of bcu, ft, fp, nad, clp/);
  });
});
