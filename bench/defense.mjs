#!/usr/bin/env node
// npm run bench:defense: BCU against the labeled and data-free baselines on real data, through the
// real `bcu` command line (docs/benchmark.md describes the protocol).
//   1. `bcu attack` backdoors a compact pre-activation ResNet on Fashion-MNIST for each attack
//      (BadNets, Blended, SIG, WaNet; specs in bench/triggers/), training on images 10,000 onwards;
//      the first 10,000 training images are held out before attacking.
//   2. Each defense runs on the first --pool held-out images (labels used only by ft/fp/nad), and
//      'bcu-ood' runs BCU on MNIST digits instead (out-of-distribution unlabeled data).
//   3. ACC / ASR / RA on the first --eval test images and BackdoorBench's defense effectiveness
//      rating DER = [max(0, ΔASR) − max(0, ΔACC) + 1] / 2 (Wu et al., BackdoorBench, NeurIPS 2022),
//      mean ± sample sd over the defense seeds; bench/results/<date>-defense.json and a markdown table.
// Caching: attacked models are keyed by the attack's flags, trigger spec and attack sources; each
// cell's result by the attacked model's hash, the defense's flags and the engine build (dist/cli.js),
// so a rerun only redoes what changed. bcu runs from a snapshot of dist/ and bin/ taken at start.
// Options: --profile default|smoke  --seeds 0,1,2  --attacks badnets,blended,sig,wanet
//          --defenses none,bcu,bcu-ood,ft,fp,nad,clp  --work DIR (cache, runs and results under DIR)
import { runBcu } from './bcuProcess.mjs';
import { fmt, hms, mnistIdx, modelHash, sha, snapshotEngine, stat, writeAtomic } from './benchKit.mjs';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const FMNIST = '/usr/share/datasets/fashion-mnist';
const TRAIN = path.join(FMNIST, 'train-images-idx3-ubyte.gz');
const TEST = path.join(FMNIST, 't10k-images-idx3-ubyte.gz');
/** Training images held out before attacking: the defender's data comes from these. */
const HELD_OUT = 10000;

const ATTACKS = ['badnets', 'blended', 'sig', 'wanet'];
const DEFENSES = ['none', 'bcu', 'bcu-ood', 'ft', 'fp', 'nad', 'clp'];

/**
 * Bench sizes. trainImgPerSec and the cost factors (training passes per image relative to plain
 * fine-tuning) were measured on this 2-core machine with resnet-tiny under WASM (about 120 img/s
 * while other jobs ran); they only drive the printed time estimate.
 */
const PROFILES = {
  default: {
    arch: 'resnet-tiny', attackImages: 20000, attackEpochs: 4, pool: 5000, defenseEpochs: 5, evalImages: 2000,
    attacks: ATTACKS, defenses: DEFENSES, seeds: [0, 1, 2], trainImgPerSec: 110, evalImgPerSec: 400,
  },
  smoke: {
    arch: 'resnet-tiny', attackImages: 600, attackEpochs: 2, pool: 256, defenseEpochs: 1, evalImages: 200,
    attacks: ['badnets'], defenses: ['none', 'clp', 'ft'], seeds: [0, 1], trainImgPerSec: 110, evalImgPerSec: 400,
  },
};
const COST = { none: 0, bcu: 1.6, 'bcu-ood': 1.6, ft: 1, fp: 1.2, nad: 2.4, clp: 0 };

function parseArgs(argv) {
  const o = { profile: 'default', seeds: null, attacks: null, defenses: null, work: null };
  for (let i = 0; i < argv.length; i += 2) {
    const [k, v] = [argv[i], argv[i + 1]];
    if (v === undefined) throw new Error(`option ${k} needs a value`);
    if (k === '--profile') o.profile = v;
    else if (k === '--seeds') o.seeds = v.split(',').map(Number);
    else if (k === '--attacks') o.attacks = v.split(',');
    else if (k === '--defenses') o.defenses = v.split(',');
    else if (k === '--work') o.work = path.resolve(v);
    else throw new Error(`unknown option ${k} (see the header of bench/defense.mjs)`);
  }
  const profile = PROFILES[o.profile];
  if (!profile) throw new Error(`--profile ${o.profile}: choose ${Object.keys(PROFILES).join(' or ')}`);
  const pick = (given, all, what) => {
    const bad = (given ?? []).filter((x) => !all.includes(x));
    if (bad.length) throw new Error(`unknown ${what} ${bad.join(', ')}; choose from ${all.join(', ')}`);
    return given ?? profile[what];
  };
  return {
    ...profile, name: o.profile, work: o.work,
    attacks: pick(o.attacks, ATTACKS, 'attacks'), defenses: pick(o.defenses, DEFENSES, 'defenses'),
    seeds: o.seeds ?? profile.seeds,
  };
}

/** Runs bcu with --json; resolves with the result line and the wall time (rejects on failure). */
const bcu = (bin, args, label) => runBcu(bin, args, label);

/** BackdoorBench's defense effectiveness rating (in [0, 1]; 0.5 = no change). */
function der(before, after) {
  const dAsr = before.asr - after.asr;
  const dAcc = before.acc - after.acc;
  return (Math.max(0, dAsr) - Math.max(0, dAcc) + 1) / 2;
}

function summarize(cells, p) {
  const rows = [];
  for (const attack of p.attacks) {
    for (const defense of p.defenses) {
      const ok = cells.filter((c) => c.attack === attack && c.defense === defense && !c.error);
      if (!ok.length) continue;
      const s = (k) => stat(ok.map((c) => c[k]));
      rows.push({ attack, defense, seeds: ok.map((c) => c.seed), acc: s('acc'), asr: s('asr'), ra: s('ra'), der: s('der'), seconds: s('seconds') });
    }
  }
  return rows;
}

function table(rows) {
  return [
    '| attack | defense | seeds | ACC % | ASR % | RA % | DER % | wall time / cell |',
    '|---|---|---|---|---|---|---|---|',
    ...rows.map((r) => `| ${r.attack} | ${r.defense} | ${r.seeds.join(',')} | ${fmt(r.acc)} | ${fmt(r.asr)} | ${fmt(r.ra)} | ${fmt(r.der)} | ${r.seconds.mean.toFixed(0)} s |`),
  ].join('\n');
}

async function main() {
  const p = parseArgs(process.argv.slice(2));
  if (!existsSync(TRAIN) || !existsSync(TEST)) {
    console.error(`Fashion-MNIST not found in ${FMNIST}: apt-get install dataset-fashion-mnist`);
    process.exit(2);
  }
  const work = p.work;
  const cacheDir = work ? path.join(work, 'cache') : path.join(root, 'bench', 'cache');
  const runsDir = work ? path.join(work, 'runs') : path.join(root, 'bench', 'runs', 'defense');
  const resultsDir = work ? path.join(work, 'results') : path.join(root, 'bench', 'results');
  const cellDir = path.join(cacheDir, 'defense-cells');
  // The snapshot always lies in the repository's bench/cache: node_modules must resolve from it.
  const { engine, bin } = snapshotEngine(path.join(root, 'bench', 'cache'));
  const ood = p.defenses.includes('bcu-ood') ? mnistIdx(cacheDir) : null;
  const command = `npm run bench:defense -- ${process.argv.slice(2).join(' ')}`.trim();
  const version = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')).version;
  const startedAt = new Date().toISOString();
  const file = path.join(resultsDir, `${startedAt.slice(0, 10)}-defense${p.name === 'default' ? '' : `-${p.name}`}.json`);

  // What defines an attacked model: its flags, its trigger spec and the sources of the attack code.
  // Not augment.ts: the attack trains without augmentation, and that file mostly changes for BCU's
  // student (a retrain of four attacks costs about an hour on two cores).
  const attackSourceFiles = ['attackLab/attack.ts', 'attackLab/architectures.ts', 'attackLab/train.ts', 'attackLab/poison.ts',
    ...readdirSync(path.join(root, 'src', 'engine', 'triggers')).map((f) => path.join('triggers', f))].sort();
  const attackSources = attackSourceFiles.map((f) => readFileSync(path.join(root, 'src', 'engine', f), 'utf8'));
  const attackPlan = (attack) => {
    const trigger = path.join(root, 'bench', 'triggers', `${attack}.json`);
    const args = ['attack', '--data', TRAIN, '--skip', String(HELD_OUT), '--limit', String(p.attackImages), '--trigger', trigger,
      '--arch', p.arch, '--epochs', String(p.attackEpochs), '--eval-data', TEST, '--eval-limit', String(p.evalImages)];
    const key = sha(JSON.stringify({ args, spec: readFileSync(trigger, 'utf8'), attackSources })).slice(0, 12);
    return { trigger, args, key, dir: path.join(cacheDir, `attacked-${key}`) };
  };
  const defenseArgs = (defense, seed, attack) => {
    const common = ['--eval-data', TEST, '--trigger', attack.trigger, '--eval-limit', String(p.evalImages)];
    if (defense === 'none') return ['evaluate', '--model', attack.model, '--data', TEST, '--trigger', attack.trigger, '--limit', String(p.evalImages)];
    const method = defense === 'bcu-ood' ? 'bcu' : defense;
    const data = defense === 'clp' ? [] : ['--data', defense === 'bcu-ood' ? ood : TRAIN, '--limit', String(p.pool)];
    const epochs = defense === 'clp' ? [] : ['--epochs', String(p.defenseEpochs)];
    // NAD's teacher fine-tunes as long as the student trains (its default is 10 epochs).
    if (defense === 'nad') epochs.push('--teacher-epochs', String(p.defenseEpochs));
    // MNIST digits fail the data check on purpose: the row measures BCU on them anyway.
    if (defense === 'bcu-ood') epochs.push('--accept-data-warning');
    return ['defend', '--method', method, '--model', attack.model, ...data, ...epochs, '--seed', String(seed), ...common];
  };
  // 'none' is the attacked model itself: one evaluation serves every seed.
  const cellSeeds = (defense) => (defense === 'none' ? [p.seeds[0]] : p.seeds);
  const cellKey = (attack, defense, seed) => {
    const args = defenseArgs(defense, seed, { model: 'MODEL', trigger: attack.trigger }).map((a) => (a === ood ? 'MNIST-OOD' : a));
    return sha(JSON.stringify({ model: attack.hash, args, spec: readFileSync(attack.trigger, 'utf8'), engine })).slice(0, 16);
  };

  // The estimate: cached cells cost nothing, others from the measured throughput.
  const attackCost = (p.attackImages * p.attackEpochs) / p.trainImgPerSec + p.evalImages * 2 / p.evalImgPerSec;
  const cellCost = (d) => (COST[d] * p.pool * p.defenseEpochs) / p.trainImgPerSec + (d === 'none' ? 2 : d === 'clp' ? 6 : 4) * p.evalImages / p.evalImgPerSec + 5;
  let estimate = 0;
  let todo = 0;
  for (const a of p.attacks) {
    const plan = attackPlan(a);
    const attacked = existsSync(path.join(plan.dir, 'report.json'));
    if (!attacked) estimate += attackCost;
    const hash = attacked ? modelHash(plan.dir) : null;
    for (const d of p.defenses) for (const s of cellSeeds(d)) {
      if (hash && existsSync(path.join(cellDir, `${cellKey({ hash, trigger: plan.trigger }, d, s)}.json`))) continue;
      todo++;
      estimate += cellCost(d);
    }
  }
  console.error(`bench:defense profile ${p.name}: ${p.arch}, attack ${p.attackImages} images x ${p.attackEpochs} epochs, defenses ${p.defenseEpochs} epochs on ${p.pool} images, evaluation on ${p.evalImages} test images`);
  console.error(`attacks ${p.attacks.join(',')}; defenses ${p.defenses.join(',')}; seeds ${p.seeds.join(',')}; engine ${engine}`);
  console.error(`${todo} cells to run; estimated total ${hms(estimate)} at ${p.trainImgPerSec} training img/s (more while other jobs share the cores)`);

  const attacks = {};
  async function ensureAttack(name) {
    if (attacks[name]) return attacks[name];
    const plan = attackPlan(name);
    let info;
    if (existsSync(path.join(plan.dir, 'report.json'))) {
      const report = JSON.parse(readFileSync(path.join(plan.dir, 'report.json'), 'utf8'));
      info = { ...report.after, seconds: report.timings.totalSeconds, cached: true };
      console.error(`[${name}] attacked model from cache: ${path.relative(root, plan.dir)}`);
    } else {
      console.error(`[${name}] bcu ${plan.args.join(' ')} --out ${plan.dir}`);
      const run = await bcu(bin, [...plan.args, '--out', plan.dir, '--force'], `attack ${name}`);
      info = { acc: run.result.acc, asr: run.result.asr, ra: run.result.ra, seconds: run.seconds, cached: false };
      console.error(`[${name}] attacked: ACC ${(100 * info.acc).toFixed(2)} %, ASR ${(100 * info.asr).toFixed(2)} %, ${run.seconds.toFixed(0)} s`);
    }
    attacks[name] = { ...info, key: plan.key, trigger: plan.trigger, dir: plan.dir, model: path.join(plan.dir, 'model.json'), hash: modelHash(plan.dir) };
    return attacks[name];
  }

  const cells = [];
  const save = (finished) => {
    const rows = summarize(cells, p);
    const attacksOut = Object.fromEntries(Object.entries(attacks).map(([k, a]) => [k, { acc: a.acc, asr: a.asr, ra: a.ra, seconds: a.seconds, cached: a.cached, model: path.relative(root, a.model), key: a.key, hash: a.hash }]));
    writeAtomic(file, JSON.stringify({ version, command, engine, startedAt, finishedAt: finished ? new Date().toISOString() : null, spread: 'sample standard deviation over seeds (min and max also given)', profile: p, attacks: attacksOut, cells, summary: rows }, null, 2) + '\n');
    return rows;
  };

  // Seed by seed over every attack and defense, so that a partial run is already a whole table.
  for (const seed of p.seeds) {
    for (const name of p.attacks) {
      let attack;
      try {
        attack = await ensureAttack(name);
      } catch (err) {
        console.error(`[${name}] attack failed: ${err.message}`);
        if (!cells.some((c) => c.attack === name && c.defense === 'attack')) cells.push({ attack: name, defense: 'attack', seed, error: err.message });
        continue;
      }
      for (const defense of p.defenses) {
        if (!cellSeeds(defense).includes(seed)) continue;
        const key = cellKey(attack, defense, seed);
        const cached = path.join(cellDir, `${key}.json`);
        let cell;
        if (existsSync(cached)) {
          cell = { ...JSON.parse(readFileSync(cached, 'utf8')), cached: true };
        } else {
          const args = defenseArgs(defense, seed, attack);
          const out = path.join(runsDir, name, `${defense}-seed${seed}`);
          if (defense !== 'none') args.push('--out', out, '--force');
          console.error(`[${name} / ${defense} / seed ${seed}] bcu ${args.join(' ')}`);
          try {
            const run = await bcu(bin, args, `${name} ${defense} ${seed}`);
            const after = defense === 'none' ? run.result : run.result.after;
            cell = { attack: name, defense, seed, key, acc: after.acc, asr: after.asr, ra: after.ra, n: after.n, nTriggered: after.nTriggered, seconds: run.seconds, defendBefore: run.result.before ?? null, pruned: run.result.pruned ? Object.values(run.result.pruned).reduce((s, a) => s + a.length, 0) : undefined };
            writeAtomic(cached, JSON.stringify(cell) + '\n');
            cell.cached = false;
          } catch (err) {
            console.error(`[${name} / ${defense} / seed ${seed}] failed: ${err.message}`);
            cells.push({ attack: name, defense, seed, key, error: err.message });
            save(false);
            continue;
          }
        }
        // DER against the attacked model on the same evaluation images.
        cell.der = der({ acc: attack.acc, asr: attack.asr }, cell);
        cells.push(cell);
        console.error(`[${name} / ${defense} / seed ${seed}] ACC ${(100 * cell.acc).toFixed(2)} % ASR ${(100 * cell.asr).toFixed(2)} % RA ${(100 * cell.ra).toFixed(2)} % DER ${(100 * cell.der).toFixed(1)} % ${cell.seconds.toFixed(0)} s${cell.cached ? ' (cached)' : ''}`);
        save(false);
      }
    }
    console.error(`\nafter seed ${seed}:\n${table(summarize(cells, p))}\n`);
  }

  const rows = save(true);
  const attacked = Object.entries(attacks).map(([k, a]) => `${k} ${(100 * a.acc).toFixed(1)} / ${(100 * a.asr).toFixed(1)} % (${a.seconds.toFixed(0)} s${a.cached ? ', cached' : ''})`).join('; ');
  console.log(`\nFashion-MNIST, ${p.arch}, profile ${p.name}: attack on ${p.attackImages} images x ${p.attackEpochs} epochs; defenses ${p.defenseEpochs} epochs on ${p.pool} held-out images (bcu-ood: MNIST digits); ${p.evalImages} test images. Mean ± sample sd over seeds.`);
  console.log(`attacked models (ACC / ASR): ${attacked}`);
  console.log(table(rows));
  const failed = cells.filter((c) => c.error);
  if (failed.length) console.log(`\n${failed.length} cell(s) failed: ${failed.map((c) => `${c.attack}/${c.defense}/seed ${c.seed}`).join(', ')}`);
  console.log(`\nreproduce: ${command}`);
  console.log(`results: ${path.relative(root, file)}`);
  if (failed.length) process.exitCode = 1;
}

main().catch((err) => {
  console.error(err.message);
  process.exit(1);
});
