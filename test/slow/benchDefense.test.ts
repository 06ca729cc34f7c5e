import * as assert from 'assert';
import { execFile } from 'child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { REPO_ROOT } from '../fixtures/repoPaths';

/**
 * `npm run bench:defense -- --profile smoke`: the defense benchmark end to end on a few hundred
 * Fashion-MNIST images (one attack, no defense, CLP and FT, two seeds), in a temporary work folder.
 */
const ROOT = REPO_ROOT;
const SCRIPT = path.join(ROOT, 'bench', 'defense.mjs');
const FMNIST = '/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz';

interface Stat { mean: number; sd: number; min: number; max: number; n: number }
interface Row { attack: string; defense: string; seeds: number[]; acc: Stat; asr: Stat; ra: Stat; der: Stat; seconds: Stat }
interface Cell { attack: string; defense: string; seed: number; acc: number; asr: number; ra: number; der: number; seconds: number; cached: boolean; error?: string }
interface Results { profile: { name: string; attacks: string[]; defenses: string[]; seeds: number[] }; attacks: Record<string, { acc: number; asr: number }>; cells: Cell[]; summary: Row[]; command: string }

function runBench(work: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [SCRIPT, '--profile', 'smoke', '--work', work], { cwd: ROOT, timeout: 420_000, maxBuffer: 1 << 24 }, (err, stdout, stderr) => {
      const code = (err as { code?: unknown } | null)?.code;
      resolve({ code: err ? (typeof code === 'number' ? code : 1) : 0, stdout, stderr });
    });
  });
}

function readResults(work: string): Results {
  const dir = path.join(work, 'results');
  const files = readdirSync(dir).filter((f) => f.endsWith('-defense-smoke.json'));
  assert.strictEqual(files.length, 1, `one results file in ${dir}`);
  return JSON.parse(readFileSync(path.join(dir, files[0]), 'utf8')) as Results;
}

const inUnit = (x: number) => Number.isFinite(x) && x >= 0 && x <= 1;
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
/** Sample standard deviation (n - 1), 0 for a single value, as the benchmark reports it. */
const sampleSd = (xs: number[]) => (xs.length < 2 ? 0 : Math.sqrt(xs.reduce((a, x) => a + (x - mean(xs)) ** 2, 0) / (xs.length - 1)));

describe('bench:defense smoke profile', function () {
  // About a minute on two idle cores; the margin is for a machine shared with other jobs.
  this.timeout(900_000);
  let work = '';
  let first: { code: number; stdout: string; stderr: string };

  before(async () => {
    if (!existsSync(FMNIST)) throw new Error(`${FMNIST} missing: npm test installs it (apt-get install dataset-fashion-mnist)`);
    if (!existsSync(path.join(ROOT, 'dist', 'cli.js'))) throw new Error('dist/cli.js missing: run npm run build');
    work = mkdtempSync(path.join(os.tmpdir(), 'bcu-bench-defense-'));
    first = await runBench(work);
  });

  after(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('runs every cell and prints one table row per attack and defense', () => {
    assert.strictEqual(first.code, 0, `bench failed:\n${first.stderr.slice(-2000)}`);
    const results = readResults(work);
    assert.deepStrictEqual(results.cells.filter((c) => c.error), []);
    const tableRows = first.stdout.split('\n').filter((l) => l.startsWith('| '));
    assert.strictEqual(tableRows[0], '| attack | defense | seeds | ACC % | ASR % | RA % | DER % | wall time / cell |');
    const data = tableRows.slice(1);
    const expected = results.profile.attacks.flatMap((a) => results.profile.defenses.map((d) => `${a}|${d}`));
    assert.deepStrictEqual(data.map((l) => l.split('|').slice(1, 3).map((s) => s.trim()).join('|')), expected);
    for (const line of data) assert.strictEqual(line.split('|').length, 10, line);
    assert.match(first.stdout, /reproduce: npm run bench:defense -- --profile smoke/);
  });

  it('every figure is in range, DER follows BackdoorBench from the attacked model, and no defense at all scores DER 0.5', () => {
    const results = readResults(work);
    assert.strictEqual(results.summary.length, 3);
    for (const row of results.summary) {
      for (const k of ['acc', 'asr', 'ra', 'der'] as const) {
        for (const v of [row[k].mean, row[k].min, row[k].max]) assert.ok(inUnit(v), `${row.defense} ${k} ${v}`);
        const values = results.cells.filter((c) => c.attack === row.attack && c.defense === row.defense).map((c) => c[k]);
        assert.ok(Math.abs(row[k].mean - mean(values)) < 1e-12, `${row.defense} ${k} mean over its cells`);
        assert.ok(Math.abs(row[k].sd - sampleSd(values)) < 1e-12, `${row.defense} ${k} sample sd over its cells`);
      }
      assert.ok(row.seconds.min > 0, `${row.defense} wall time`);
      assert.deepStrictEqual(row.seeds, row.defense === 'none' ? [0] : [0, 1]);
    }
    const attacked = results.attacks.badnets;
    for (const c of results.cells) {
      const expected = (Math.max(0, attacked.asr - c.asr) - Math.max(0, attacked.acc - c.acc) + 1) / 2;
      assert.ok(Math.abs(c.der - expected) < 1e-12, `${c.defense} seed ${c.seed} DER`);
    }
    // No defense: the attacked model itself, so ΔASR = ΔACC = 0.
    const none = results.summary.find((r) => r.defense === 'none')!;
    assert.strictEqual(none.der.mean, 0.5);
    assert.ok(Math.abs(none.acc.mean - attacked.acc) < 1e-12);
  });

  it('a rerun takes every cell from the cache', async () => {
    const before = readResults(work);
    const again = await runBench(work);
    assert.strictEqual(again.code, 0, again.stderr.slice(-2000));
    const results = readResults(work);
    assert.ok(results.cells.every((c) => c.cached), 'all cached');
    assert.deepStrictEqual(results.cells.map((c) => [c.acc, c.asr, c.der]), before.cells.map((c) => [c.acc, c.asr, c.der]));
  });
});
