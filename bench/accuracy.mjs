#!/usr/bin/env node
// npm run bench:accuracy: does the cleanse keep the accuracy? On the committed fixture models
// (bench/fixtures/<arch>-<attack>-s<seed>/, strong PyTorch-trained ResNet-8 and VGG models, clean
// and attacked; docs/benchmark.md), through the real `bcu` command line:
//   - attacked: the fixture itself (`bcu evaluate`);
//   - bcu: `bcu cleanse` with its defaults on the first --pool images of the 10,000 held-out
//     training images (never trained on by the fixture), unlabeled;
//   - ft: labeled fine-tuning (`bcu defend --method ft`) on the same images for the same epochs;
//   - levers (bcu-bnr, bcu-mixup, ...): one cleanse flag changed at a time (VARIANTS below);
//   - bcu-ood: the cleanse on MNIST digits (out of distribution) with the data warning accepted,
//     bcu-ood-gate: the same without accepting it (the cleanse must stop with exit 2).
// ACC, ASR, RA on the test split (--eval images), wall time per cell. Results accumulate in
// bench/results/<date>-accuracy.json (a rerun replaces the cells it reruns, keeps the others) and a
// markdown table goes to stdout with the command that reproduces it.
// Options: --models a,b (fixture names; default: the evaluation fixtures present)  --calibration
//          (the calibration fixtures instead)  --variants attacked,bcu,ft  --seeds 0  --pool 5000
//          --epochs N (default: bcu's 10)  --eval 10000  --fixtures DIR  --engine DIR (a snapshot
//          folder with bin/bcu.js, e.g. an older build)  --tag NAME (names the engine in the rows)
//          --work DIR (cache, runs and results under DIR)
//          --results FILE (the results file; default bench/results/<today>-accuracy.json)
//          --table FILE (only print the table of a results file, all runs' cells)
import { runBcu } from './bcuProcess.mjs';
import { fmt, mnistIdx, modelHash, sha, snapshotEngine, stat, writeAtomic } from './benchKit.mjs';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const FMNIST = '/usr/share/datasets/fashion-mnist';
const TRAIN = path.join(FMNIST, 'train-images-idx3-ubyte.gz');
const TEST = path.join(FMNIST, 't10k-images-idx3-ubyte.gz');

/** Rules and defaults are tuned on these only (docs/benchmark.md); the table reports the others. */
const CALIBRATION = ['resnet-clean-s0', 'resnet-badnets-s0', 'resnet-blended-s0', 'resnet-sig-s0', 'resnet-wanet-s0'];

/** What each variant runs: cleanse flags on top of the defaults (one lever at a time). */
const VARIANTS = {
  attacked: { kind: 'evaluate' },
  bcu: { kind: 'cleanse', flags: [] },
  ft: { kind: 'ft' },
  'bcu-ood': { kind: 'cleanse', ood: true, flags: ['--accept-data-warning'] },
  'bcu-ood-gate': { kind: 'cleanse', ood: true, flags: [], expectExit: 2 },
  'bcu-bnr': { kind: 'cleanse', flags: ['--bn-recalibrate', '2000'] },
  'bcu-no-bnr': { kind: 'cleanse', flags: ['--bn-recalibrate', '0'] },
  'bcu-mixup': { kind: 'cleanse', flags: ['--mixup', '0.5'] },
  'bcu-recovery': { kind: 'cleanse', flags: ['--recovery-epochs', '2'] },
  'bcu-e20': { kind: 'cleanse', flags: ['--epochs', '20'] },
  'bcu-pytorch-draw': { kind: 'cleanse', flags: ['--reinit-draw', 'pytorch'] },
  'bcu-plain': { kind: 'cleanse', flags: ['--unlearn-suspect', '0'] },
  'bcu-blend': { kind: 'cleanse', flags: ['--unlearn-blend', 'on'] },
  'bcu-blend-aug': { kind: 'cleanse', flags: ['--blend-aug', '0.3'] },
  'bcu-aimed': { kind: 'cleanse', flags: ['--reinit-aimed', '0.1'] },
  'bcu-aimed-25': { kind: 'cleanse', flags: ['--reinit-aimed', '0.25'] },
  'bcu-unlearn-warp': { kind: 'cleanse', flags: ['--unlearn-warp', 'on'] },
};

function parseArgs(argv) {
  const o = { models: null, calibration: false, variants: ['attacked', 'bcu', 'ft'], seeds: [0], pool: 5000, epochs: null, eval: 10000, fixtures: null, engine: null, tag: null, work: null, results: null };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i];
    if (k === '--calibration') { o.calibration = true; continue; }
    const v = argv[++i];
    if (v === undefined) throw new Error(`option ${k} needs a value`);
    if (k === '--models') o.models = v.split(',');
    else if (k === '--variants') o.variants = v.split(',');
    else if (k === '--seeds') o.seeds = v.split(',').map(Number);
    else if (k === '--pool') o.pool = Number(v);
    else if (k === '--epochs') o.epochs = Number(v);
    else if (k === '--eval') o.eval = Number(v);
    else if (k === '--fixtures') o.fixtures = path.resolve(v);
    else if (k === '--engine') o.engine = path.resolve(v);
    else if (k === '--tag') o.tag = v;
    else if (k === '--work') o.work = path.resolve(v);
    else if (k === '--results') o.results = path.resolve(v);
    else throw new Error(`unknown option ${k} (see the header of bench/accuracy.mjs)`);
  }
  const bad = o.variants.filter((v) => !VARIANTS[v]);
  if (bad.length) throw new Error(`unknown variant ${bad.join(', ')}; choose from ${Object.keys(VARIANTS).join(', ')}`);
  return o;
}

/** The fixture's attack, from its name (<arch>-<attack>-s<seed>); clean ones are scored with BadNets' trigger. */
function fixtureInfo(dir, name) {
  const [arch, attack] = name.split('-');
  const trigger = path.join(root, 'bench', 'triggers', `${attack === 'clean' ? 'badnets' : attack}.json`);
  const training = existsSync(path.join(dir, 'training.json')) ? JSON.parse(readFileSync(path.join(dir, 'training.json'), 'utf8')) : null;
  return { name, arch, attack, trigger, dir, model: path.join(dir, 'model.json'), hash: modelHash(dir), role: CALIBRATION.includes(name) ? 'calibration' : 'evaluation', training };
}

/** A cleanse with BatchNorm recalibration also measured its student as distilled: that is the same run without it. */
function withDistilledRows(cells) {
  return cells.flatMap((c) => (c.beforeBnRecalibration ? [c, { ...c, ...c.beforeBnRecalibration, variant: `${c.variant} (as distilled, no BN recalibration)` }] : [c]));
}

function table(cells) {
  cells = withDistilledRows(cells);
  const pct = (v) => (v == null ? 'n/a' : (100 * v).toFixed(2));
  const groups = new Map();
  for (const c of cells) {
    const key = `${c.model}|${c.variant}|${c.engine}`;
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key).push(c);
  }
  const rows = [...groups.values()].map((g) => {
    const c = g[0];
    const ok = g.filter((x) => !x.error && x.acc != null);
    const s = (k) => (ok.length ? stat(ok.map((x) => x[k])) : null);
    const one = ok.length === 1;
    const cell = (k) => (one ? pct(ok[0][k]) : fmt(s(k), 100, 2));
    const status = g.some((x) => x.error) ? ` (${g.filter((x) => x.error).map((x) => x.stopped ? 'stopped: exit 2' : 'failed').join(', ')})` : '';
    const seconds = g.map((x) => x.seconds).filter((x) => x != null);
    return `| ${c.model} | ${c.role} | ${c.variant}${status} | ${g.map((x) => x.seed).join(',')} | ${cell('acc')} | ${cell('asr')} | ${cell('ra')} | ${seconds.length ? Math.round(stat(seconds).mean) : 'n/a'} s | ${c.engine} |`;
  });
  return ['| model | role | variant | seeds | ACC % | ASR % | RA % | wall time / cell | engine |', '|---|---|---|---|---|---|---|---|---|', ...rows].join('\n');
}

async function main() {
  // --table FILE: print the table of a results file (every run's cells) and stop.
  const at = process.argv.indexOf('--table');
  if (at >= 0) {
    const results = JSON.parse(readFileSync(path.resolve(process.argv[at + 1] ?? ''), 'utf8'));
    console.log(table(results.cells));
    for (const c of results.cells) console.log(`  ${c.model} ${c.variant} seed ${c.seed}: ${c.command}`);
    return;
  }
  const o = parseArgs(process.argv.slice(2));
  for (const f of [TRAIN, TEST]) if (!existsSync(f)) { console.error(`${f} not found: apt-get install dataset-fashion-mnist`); process.exit(2); }
  const fixturesDir = o.fixtures ?? path.join(root, 'bench', 'fixtures');
  const present = existsSync(fixturesDir) ? readdirSync(fixturesDir).filter((d) => existsSync(path.join(fixturesDir, d, 'model.json'))).sort() : [];
  const names = o.models ?? present.filter((n) => CALIBRATION.includes(n) === o.calibration);
  const missing = names.filter((n) => !present.includes(n));
  if (missing.length) throw new Error(`fixtures not found in ${fixturesDir}: ${missing.join(', ')}`);
  if (!names.length) throw new Error(`no fixtures in ${fixturesDir}`);
  const cacheDir = o.work ? path.join(o.work, 'cache') : path.join(root, 'bench', 'cache');
  const runsDir = o.work ? path.join(o.work, 'runs') : path.join(root, 'bench', 'runs', 'accuracy');
  const resultsDir = o.work ? path.join(o.work, 'results') : path.join(root, 'bench', 'results');
  const cellDir = path.join(cacheDir, 'accuracy-cells');
  const snap = o.engine
    ? { engine: sha(readFileSync(path.join(o.engine, 'dist', 'cli.js'))).slice(0, 12), bin: path.join(o.engine, 'bin', 'bcu.js') }
    : snapshotEngine(path.join(root, 'bench', 'cache'));
  const engineLabel = o.tag ?? snap.engine;
  const ood = o.variants.some((v) => VARIANTS[v].ood) ? mnistIdx(cacheDir) : null;
  const command = `npm run bench:accuracy -- ${process.argv.slice(2).join(' ')}`.trim();
  const file = o.results ?? path.join(resultsDir, `${new Date().toISOString().slice(0, 10)}-accuracy.json`);

  const argsFor = (variant, seed, fx, out) => {
    const v = VARIANTS[variant];
    const evalFlags = ['--eval-data', TEST, '--trigger', fx.trigger, '--eval-limit', String(o.eval)];
    const epochs = o.epochs ? ['--epochs', String(o.epochs)] : [];
    if (v.kind === 'evaluate') return ['evaluate', '--model', fx.model, '--data', TEST, '--trigger', fx.trigger, '--limit', String(o.eval)];
    if (v.kind === 'ft') return ['defend', '--method', 'ft', '--model', fx.model, '--data', TRAIN, '--limit', String(o.pool), '--epochs', String(o.epochs ?? 10), '--seed', String(seed), ...evalFlags, '--out', out, '--force'];
    return ['cleanse', '--model', fx.model, '--data', v.ood ? ood : TRAIN, '--limit', String(o.pool), ...epochs, '--seed', String(seed), ...v.flags, ...evalFlags, '--out', out, '--force'];
  };
  const shown = (args) => `node bin/bcu.js ${args.map((a) => (a === ood ? 'bench/cache/mnist-ood/mnist-digits-images-idx3-ubyte' : path.isAbsolute(a) && a.startsWith(root) ? path.relative(root, a) : a)).join(' ')}`;

  const cells = [];
  const save = (finished) => {
    // Re-read each time: another run of this script may have added cells since.
    const previous = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : { cells: [] };
    const keys = new Set(cells.map((c) => c.key));
    const all = [...previous.cells.filter((c) => !keys.has(c.key)), ...cells];
    writeAtomic(file, JSON.stringify({ command: 'npm run bench:accuracy (every cell has its own command)', calibration: CALIBRATION, updatedAt: finished ? new Date().toISOString() : null, cells: all }, null, 2) + '\n');
  };
  console.error(`bench:accuracy: ${names.length} model(s) x ${o.variants.join(',')} x seeds ${o.seeds.join(',')}; pool ${o.pool}, eval ${o.eval} test images; engine ${engineLabel}`);
  for (const name of names) {
    const fx = fixtureInfo(path.join(fixturesDir, name), name);
    for (const seed of o.seeds) {
      for (const variant of o.variants) {
        if (variant === 'attacked' && seed !== o.seeds[0]) continue;
        const out = path.join(runsDir, name, `${variant}-seed${seed}`);
        const args = argsFor(variant, seed, fx, out);
        const key = sha(JSON.stringify({ model: fx.hash, args: args.map((a) => (a === fx.model ? 'MODEL' : a === ood ? 'OOD' : a)), engine: snap.engine })).slice(0, 16);
        const cached = path.join(cellDir, `${key}.json`);
        let cell;
        if (existsSync(cached)) {
          cell = { ...JSON.parse(readFileSync(cached, 'utf8')), cached: true };
        } else {
          console.error(`[${name} / ${variant} / seed ${seed}] ${shown(args)}`);
          const base = { key, model: name, role: fx.role, attack: fx.attack, arch: fx.arch, variant, seed, engine: engineLabel, pool: o.pool, eval: o.eval, command: shown(args) };
          try {
            const run = await runBcu(snap.bin, args, `${name} ${variant} ${seed}`);
            const after = variant === 'attacked' ? run.result : run.result.after;
            cell = { ...base, acc: after.acc, asr: after.asr, ra: after.ra, n: after.n, seconds: run.seconds };
            if (run.result.report && existsSync(run.result.report)) {
              const r = JSON.parse(readFileSync(run.result.report, 'utf8'));
              cell.before = r.before ? { acc: r.before.acc, asr: r.before.asr, ra: r.before.ra } : null;
              cell.suspectClass = r.suspect?.suspect?.class ?? null;
              cell.dataCheck = r.dataQuality?.verdict ?? null;
              cell.timings = r.timings;
              const pre = r.settings?.bnRecalibration?.metricsBeforeRecalibration;
              if (pre) cell.beforeBnRecalibration = { acc: pre.acc, asr: pre.asr, ra: pre.ra };
              cell.settings = { epochs: r.settings?.epochs, bnRecalibration: r.settings?.bnRecalibration ? true : false, dataWarningAccepted: r.settings?.dataWarningAccepted ?? null, mildSettings: r.settings?.mildSettings ?? null };
            }
            if (VARIANTS[variant].expectExit) cell.error = 'expected the cleanse to stop, it finished';
            else writeAtomic(cached, JSON.stringify(cell) + '\n');
          } catch (err) {
            const stopped = VARIANTS[variant].expectExit && / exited with 2\b/.test(err.message);
            cell = { ...base, error: err.message, stopped: !!stopped, acc: null, asr: null, ra: null, seconds: null };
            if (stopped) writeAtomic(cached, JSON.stringify(cell) + '\n');
          }
          cell.cached = false;
        }
        cells.push(cell);
        const pct = (v) => (v == null ? 'n/a' : `${(100 * v).toFixed(2)} %`);
        console.error(`[${name} / ${variant} / seed ${seed}] ${cell.error ? (cell.stopped ? 'stopped with exit 2, as expected' : `failed: ${cell.error}`) : `ACC ${pct(cell.acc)} ASR ${pct(cell.asr)} RA ${pct(cell.ra)} ${Math.round(cell.seconds)} s`}${cell.cached ? ' (cached)' : ''}`);
        save(false);
      }
    }
  }
  save(true);
  console.log(`\nFashion-MNIST fixtures (${fixturesDir === path.join(root, 'bench', 'fixtures') ? 'bench/fixtures' : fixturesDir}); defenses on ${o.pool} of the 10,000 held-out training images, ${o.epochs ?? 10} epochs; ACC/ASR/RA on ${o.eval} test images.`);
  console.log(table(cells));
  console.log(`\nreproduce: ${command}`);
  console.log(`results: ${path.relative(root, file)}`);
  for (const c of cells) console.log(`  ${c.model} ${c.variant} seed ${c.seed}: ${c.command}`);
  if (cells.some((c) => c.error && !c.stopped)) process.exitCode = 1;
}

main().catch((err) => {
  console.error(err.message);
  process.exit(1);
});
