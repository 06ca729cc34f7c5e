/**
 * The `bcu` contract, through the real launcher (bin/bcu.js -> dist/cli.js; `npm run build` first):
 * exit codes 0/1/2, a one-line reason on stderr for bad input, JSON lines ending in a result line,
 * nothing written on failure or cancel, never into the input model's folder.
 */
import * as assert from 'assert';
import * as tf from '@tensorflow/tfjs';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { makeCleanseWorkspace, type CleanseWorkspace } from '../../fixtures/cleanseWorkspace';
import { BCU_BIN, requireBuiltCli } from '../../fixtures/repoPaths';

const BCU = BCU_BIN;

function bcu(args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BCU, ...args], { encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('bcu command line', function () {
  let workspace: CleanseWorkspace;
  let dir: string;
  let modelJson: string;
  let images: string;

  before(async () => {
    requireBuiltCli();
    await tf.setBackend('cpu');
    workspace = await makeCleanseWorkspace('cli');
    ({ dir, modelJson, images } = workspace);
  });

  after(() => workspace.remove());

  it('prints usage with exit 0, and exit 2 for an unknown command', () => {
    const help = bcu(['--help']);
    assert.strictEqual(help.code, 0);
    for (const c of ['cleanse', 'evaluate', 'attack', 'inspect', 'demo']) assert.ok(help.stdout.includes(c), c);
    const unknown = bcu(['frobnicate']);
    assert.strictEqual(unknown.code, 2);
    assert.match(unknown.stderr.split('\n')[0], /^bcu: unknown command "frobnicate"; the commands are cleanse, evaluate, attack, inspect, defend, demo\. Run bcu --help\.$/);
    for (const c of ['cleanse', 'defend', 'demo']) assert.match(unknown.stderr, new RegExp(`^  ${c} `, 'm'), `the list names ${c}`);
    for (const c of ['cleanse', 'evaluate', 'attack', 'inspect', 'defend']) {
      const own = bcu([c, '--help']); // without the command's required flags
      assert.strictEqual(own.code, 0, `${c} --help: ${own.stderr}`);
      assert.ok(own.stdout.includes('--model') || own.stdout.includes('--data'), `${c} --help lists its flags`);
    }
  });

  it('bad input: exit 2 with one line on stderr naming the file or flag', () => {
    const cases: [string[], RegExp][] = [
      [['inspect', '--model', path.join(dir, 'nope', 'model.json')], /nope[\\/]model\.json/],
      [['cleanse', '--model', modelJson, '--data', images, '--out', path.join(dir, 'model')], /--out .* is the input model's folder/],
      [['cleanse', '--model', modelJson, '--data', images, '--out', path.join(dir, 'model', 'sub')], /--out/],
      [['cleanse', '--model', modelJson, '--data', path.join(dir, 'missing'), '--out', path.join(dir, 'o1')], /missing does not exist/],
      [['cleanse', '--model', modelJson, '--data', images, '--out', path.join(dir, 'o2'), '--epochs', '0'], /--epochs must be an integer in \[1, 10000\], got "0"/],
      [['cleanse', '--model', modelJson, '--data', images, '--out', path.join(dir, 'o5'), '--crop-padding', '65'], /--crop-padding must be an integer in \[0, 64\], got "65"/],
      [['cleanse', '--model', modelJson, '--data', images, '--out', path.join(dir, 'o6'), '--seed', '99999999999999999999'], /--seed must be an integer in \[0, 4294967295\]/],
      [['cleanse', '--model', modelJson, '--data', images, '--out', path.join(dir, 'o7'), '--epochs', '2', '--epochs', '3'], /--epochs is given more than once/],
      [['cleanse', '--model', modelJson, '--data', images, '--out', path.join(dir, 'o3'), '--ratios', '0.1,0.2,0.3,0.4,0.5,0.6,0.7'], /--ratios: this model has/],
      [['evaluate', '--model', modelJson, '--data', images], /needs labeled images|labels/],
      [['cleanse', '--model', modelJson, '--data', images], /--out is required/],
      [['cleanse', '--model', modelJson, '--data', images, '--out', path.join(dir, 'o4'), '--backend', 'gpu'], /--backend must be/],
    ];
    for (const [args, pattern] of cases) {
      // With --json, events go to stdout and stderr holds the reason alone.
      const r = bcu([...args, '--json']);
      assert.strictEqual(r.code, 2, `${args.join(' ')} -> ${r.code}: ${r.stderr}`);
      assert.match(r.stderr, pattern, args.join(' '));
      assert.strictEqual(r.stderr.trim().split('\n').length, 1, `one line: ${r.stderr}`);
      assert.match(r.stderr, new RegExp(`^bcu ${args[0]}: `));
      assert.doesNotMatch(r.stderr, new RegExp(`^bcu ${args[0]}: bcu `), 'the command is named once');
    }
    assert.ok(!existsSync(path.join(dir, 'model', 'sub')), 'nothing written inside the model folder');
  });

  it('refuses a non-empty --out without --force and leaves it as it was', async () => {
    const out = path.join(dir, 'occupied');
    await fs.mkdir(out);
    await fs.writeFile(path.join(out, 'keep.txt'), 'mine');
    const r = bcu(['cleanse', '--model', modelJson, '--data', images, '--out', out, '--backend', 'cpu']);
    assert.strictEqual(r.code, 2);
    assert.match(r.stderr, /already exists and is not empty.*--force/);
    assert.deepStrictEqual(await fs.readdir(out), ['keep.txt']);
  });

  it('inspect --json ends with a result line listing layers, groups and ratios', () => {
    const r = bcu(['inspect', '--model', modelJson, '--json', '--backend', 'cpu']);
    assert.strictEqual(r.code, 0, r.stderr);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    const result = lines[lines.length - 1];
    assert.strictEqual(result.type, 'result');
    const names = result.layers.map((l: { name: string }) => l.name);
    assert.strictEqual(names.length, 4);
    assert.strictEqual(names[0], 'conv');
    assert.strictEqual(names[3], 'classifier');
    assert.deepStrictEqual(result.layers.filter((l: { ratio: number }) => l.ratio > 0).map((l: { group: string }) => l.group), ['stem', 'classifier']);
  });

  it('cleanse --json streams events, ends with a result, writes model and report atomically; evaluate reads them', async () => {
    const out = path.join(dir, 'cleansed');
    const r = bcu([
      'cleanse', '--model', modelJson, '--data', images, '--out', out, '--epochs', '2', '--batch', '32', '--seed', '3', '--accept-data-warning',
      '--eval-data', path.join(dir, 'labeled', 'test-images-idx3-ubyte'), '--trigger', path.join(dir, 'badnets.json'), '--json', '--backend', 'wasm',
    ]);
    assert.strictEqual(r.code, 0, r.stderr);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    assert.strictEqual(lines[0].type, 'backend');
    assert.ok(lines.some((l) => l.type === 'progress' && l.phase === 'distill'));
    assert.strictEqual(lines.filter((l) => l.type === 'epoch').length, 2);
    const result = lines[lines.length - 1];
    assert.strictEqual(result.type, 'result');
    assert.strictEqual(result.model, path.join(out, 'model.json'));
    assert.ok(result.before.acc >= 0 && result.before.acc <= 1 && result.after.asr >= 0 && result.after.asr <= 1);
    const report = JSON.parse(await fs.readFile(path.join(out, 'report.json'), 'utf8'));
    assert.strictEqual(report.schemaVersion, 1);
    assert.strictEqual(report.kind, 'cleanse');
    assert.match(report.inputs.modelSha256, /^[0-9a-f]{64}$/);
    assert.strictEqual(report.inputs.images, 96);
    assert.strictEqual(report.inputs.backend.name, 'wasm');
    assert.strictEqual(report.settings.seed, 3);
    assert.strictEqual(report.epochs.length, 2);
    const conv = report.layers.find((l: { name: string }) => l.name === 'conv');
    // Random pixels are out of distribution: the accepted warning divides the ratios by 3.
    assert.strictEqual(report.settings.dataWarningAccepted, true);
    assert.ok(Math.abs(conv.reinitRatio - 0.01 / 3) < 1e-12 && conv.weightDrift > 0, JSON.stringify(conv));
    const entries = await fs.readdir(dir);
    assert.ok(!entries.some((e) => e.startsWith('.cleansed.tmp')), `no staging folder left: ${entries}`);
    const evaluated = bcu(['evaluate', '--model', result.model, '--data', path.join(dir, 'labeled', 'test-images-idx3-ubyte'), '--json', '--backend', 'wasm']);
    assert.strictEqual(evaluated.code, 0, evaluated.stderr);
    const metrics = JSON.parse(evaluated.stdout.trim().split('\n').pop() as string);
    assert.strictEqual(metrics.type, 'result');
    assert.strictEqual(metrics.n, 96);
    assert.ok(Math.abs(metrics.acc - result.after.acc) < 1e-9, 'evaluate agrees with the cleanse report');
  });

  it('out-of-distribution images: exit 2 before training, one line naming the data and the flag, nothing written', () => {
    const out = path.join(dir, 'gated');
    const r = bcu(['cleanse', '--model', modelJson, '--data', images, '--out', out, '--epochs', '1', '--backend', 'wasm']);
    assert.strictEqual(r.code, 2, r.stderr);
    // The backend line, then the reason on one line.
    const reason = r.stderr.trim().split('\n').filter((l) => l.startsWith('bcu cleanse:'));
    assert.strictEqual(reason.length, 1, r.stderr);
    assert.match(reason[0], /data check failed on .*pool-images-idx3-ubyte.*--accept-data-warning/);
    assert.ok(!existsSync(out));
  });

  it('a diverging loss stops with exit 1, names the step, and writes nothing', () => {
    const out = path.join(dir, 'diverged');
    const r = bcu(['cleanse', '--model', modelJson, '--data', images, '--out', out, '--epochs', '2', '--batch', '32', '--lr', '1e30', '--accept-data-warning', '--backend', 'wasm']);
    assert.strictEqual(r.code, 1, r.stderr);
    assert.match(r.stderr, /loss became .* at epoch \d+, step \d+; nothing was written/);
    assert.ok(!existsSync(out));
  });

  it('SIGINT cancels a running cleanse: exit 1 and no output folder', async () => {
    const out = path.join(dir, 'interrupted');
    const child = spawn(process.execPath, [BCU, 'cleanse', '--model', modelJson, '--data', images, '--out', out, '--epochs', '500', '--batch', '8', '--accept-data-warning', '--json', '--backend', 'wasm']);
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const code = await new Promise<number | null>((resolve) => {
      child.stdout.on('data', (d) => {
        stdout += d;
        if (stdout.includes('"phase":"distill"') && !child.killed) child.kill('SIGINT');
      });
      child.on('exit', resolve);
    });
    assert.strictEqual(code, 1, stderr);
    assert.match(stderr, /cancelled; nothing was written/);
    assert.ok(!existsSync(out));
    assert.ok(!(await fs.readdir(dir)).some((e) => e.startsWith('.interrupted.tmp')));
  });
});
