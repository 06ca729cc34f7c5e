#!/usr/bin/env node
// npm run bench:cleanse: the proof on real data, through the real `bcu` command line.
//   1. `bcu attack` with its defaults backdoors a ResNet-style model on Fashion-MNIST (BadNets 3x3
//      checkerboard bottom-right, target 0, 10 % poisoned), training on images 10,000..59,999;
//      the first 10,000 training images are held out as the unlabeled pool.
//   2. `bcu cleanse` with its defaults on 5,000 images of that pool, once per seed.
//   3. Prints ACC / ASR / RA on the 10,000 test images, before and after, and wall times; writes
//      bench/results/<date>-cleanse.json. The attacked model is cached in bench/cache/ (keyed by its
//      settings), so a rerun only redoes the cleanses.
// Options: --seeds 0,1,2  --pool 5000  --eval-limit N  --arch NAME  --attack-epochs N  --tag NAME
//          --attacked DIR (cleanse this attacked model folder instead of the cached/trained one)
//          -- <extra bcu cleanse flags>   (e.g. -- --epochs 10 --ratio-deepest 0.5, for studies)
import { runBcu } from './bcuProcess.mjs';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const FMNIST = '/usr/share/datasets/fashion-mnist';
const TRAIN = path.join(FMNIST, 'train-images-idx3-ubyte.gz');
const TEST = path.join(FMNIST, 't10k-images-idx3-ubyte.gz');

function parseArgs(argv) {
  const dash = argv.indexOf('--');
  const own = dash >= 0 ? argv.slice(0, dash) : argv;
  const extra = dash >= 0 ? argv.slice(dash + 1) : [];
  const o = { seeds: [0, 1, 2], pool: 5000, evalLimit: null, arch: null, attackEpochs: null, tag: 'default', attacked: null, extra };
  for (let i = 0; i < own.length; i += 2) {
    const [k, v] = [own[i], own[i + 1]];
    if (k === '--seeds') o.seeds = v.split(',').map(Number);
    else if (k === '--pool') o.pool = Number(v);
    else if (k === '--eval-limit') o.evalLimit = Number(v);
    else if (k === '--arch') o.arch = v;
    else if (k === '--attack-epochs') o.attackEpochs = Number(v);
    else if (k === '--tag') o.tag = v;
    else if (k === '--attacked') o.attacked = path.resolve(v);
    else throw new Error(`unknown option ${k}`);
  }
  return o;
}

/** Runs bcu with --json; resolves with the result line and the wall time. */
function bcu(args, label) {
  return runBcu(path.join(root, 'bin/bcu.js'), args, label, {
    progressEveryMs: 5000,
    echoStderr: true,
    onEvent: (event) => {
      if (event.type === 'epoch') {
        const r = event.record;
        process.stderr.write(`  [${label}] epoch ${r.epoch}: loss ${r.loss.toFixed(4)} agreement ${(100 * r.agreement).toFixed(1)} % ${r.seconds.toFixed(0)} s\n`);
      } else if (event.type === 'backend') {
        process.stderr.write(`  [${label}] backend ${event.backend.name} x${event.backend.threads}\n`);
      }
    },
  });
}

const pct = (x) => (x == null ? 'n/a' : `${(100 * x).toFixed(2)} %`);
const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
const sd = (xs) => (xs.length < 2 ? 0 : Math.sqrt(xs.reduce((a, b) => a + (b - mean(xs)) ** 2, 0) / (xs.length - 1)));

async function main() {
  const o = parseArgs(process.argv.slice(2));
  if (!existsSync(TRAIN) || !existsSync(TEST)) {
    console.error(`Fashion-MNIST not found in ${FMNIST}: apt-get install dataset-fashion-mnist`);
    process.exit(2);
  }
  const trigger = path.join(root, 'bench', 'badnets.json');
  const attackArgs = ['attack', '--data', TRAIN, '--skip', '10000', '--trigger', trigger, '--eval-data', TEST];
  if (o.arch) attackArgs.push('--arch', o.arch);
  if (o.attackEpochs) attackArgs.push('--epochs', String(o.attackEpochs));
  const version = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')).version;
  // The cache key covers what defines the attacked model: the flags, the trigger, and the sources
  // that hold the attack's defaults and training code (a changed default retrains).
  const attackSources = ['attackLab/attack.ts', 'attackLab/architectures.ts', 'attackLab/train.ts', 'attackLab/poison.ts'].map((f) => readFileSync(path.join(root, 'src', 'engine', f), 'utf8'));
  const key = createHash('sha256').update(JSON.stringify({ attackArgs, trigger: readFileSync(trigger, 'utf8'), attackSources })).digest('hex').slice(0, 12);
  const attacked = o.attacked ?? path.join(root, 'bench', 'cache', `attacked-${key}`);
  let attack;
  if (existsSync(path.join(attacked, 'report.json'))) {
    const report = JSON.parse(readFileSync(path.join(attacked, 'report.json'), 'utf8'));
    attack = { result: { ...report.after, model: path.join(attacked, 'model.json') }, seconds: report.timings.totalSeconds, cached: true };
    console.error(`attacked model from cache: ${attacked}`);
  } else {
    console.error(`bcu ${attackArgs.join(' ')} --out ${attacked}`);
    attack = await bcu([...attackArgs, '--out', attacked, '--force'], 'attack');
  }

  const runs = [];
  for (const seed of o.seeds) {
    const out = path.join(root, 'bench', 'runs', `${o.tag}-seed${seed}`);
    const args = ['cleanse', '--model', path.join(attacked, 'model.json'), '--data', TRAIN, '--limit', String(o.pool), '--out', out, '--force',
      '--eval-data', TEST, '--trigger', trigger, '--seed', String(seed), ...(o.evalLimit ? ['--eval-limit', String(o.evalLimit)] : []), ...o.extra];
    console.error(`bcu ${args.join(' ')}`);
    const run = await bcu(args, `seed ${seed}`);
    runs.push({ seed, ...run.result.after, agreement: run.result.agreement, seconds: run.seconds, before: run.result.before });
  }

  const before = runs[0]?.before ?? attack.result;
  const attackEpochs = JSON.parse(readFileSync(path.join(attacked, 'report.json'), 'utf8')).settings.epochs;
  const rows = [
    `| model | ACC | ASR | RA | wall time |`,
    `|---|---|---|---|---|`,
    `| attacked (bcu attack, ${attackEpochs} epochs) | ${pct(before.acc)} | ${pct(before.asr)} | ${pct(before.ra)} | ${attack.seconds.toFixed(0)} s${attack.cached ? ' (cached)' : ''} |`,
    ...runs.map((r) => `| BCU, seed ${r.seed} | ${pct(r.acc)} | ${pct(r.asr)} | ${pct(r.ra)} | ${r.seconds.toFixed(0)} s |`),
    `| BCU, mean ± sd over ${runs.length} seeds | ${pct(mean(runs.map((r) => r.acc)))} ± ${(100 * sd(runs.map((r) => r.acc))).toFixed(2)} | ${pct(mean(runs.map((r) => r.asr)))} ± ${(100 * sd(runs.map((r) => r.asr))).toFixed(2)} | ${pct(mean(runs.map((r) => r.ra)))} ± ${(100 * sd(runs.map((r) => r.ra))).toFixed(2)} | ${mean(runs.map((r) => r.seconds)).toFixed(0)} s |`,
  ];
  const bar = runs.every((r) => r.asr <= 0.02 && before.acc - r.acc <= 0.03);
  const command = `npm run bench:cleanse -- ${process.argv.slice(2).join(' ')}`.trim();
  console.log(`\nFashion-MNIST, BadNets 3x3 -> 0, pool ${o.pool} unlabeled images, extra flags: ${o.extra.join(' ') || '(none: product defaults)'}`);
  console.log(rows.join('\n'));
  console.log(`\nbar (every seed: ASR <= 2 %, ACC within 3 points): ${bar ? 'met' : 'NOT met'}`);
  console.log(`reproduce: ${command}`);
  const resultsDir = path.join(root, 'bench', 'results');
  mkdirSync(resultsDir, { recursive: true });
  const file = path.join(resultsDir, `${new Date().toISOString().slice(0, 10)}-cleanse-${o.tag}.json`);
  writeFileSync(file, JSON.stringify({ version, command, attack: { ...attack.result, seconds: attack.seconds, model: attacked }, before, runs, extra: o.extra, pool: o.pool, bar }, null, 2) + '\n');
  console.log(`results: ${path.relative(root, file)}`);
}

main().catch((err) => {
  console.error(err.message);
  process.exit(1);
});
