#!/usr/bin/env node
// npm run bench:reactivation: is the backdoor gone, or only hidden? (issue 13, "re-activation probe")
// For each fixture with runs of `npm run bench:accuracy` (bench/runs/accuracy/<model>/<variant>-seed<S>/),
// the engine's re-activation probe (src/engine/bcu/safety/reactivation.ts, the one `bcu cleanse
// --reactivation-probe` runs) fine-tunes a copy of each model with plain SGD (lr 0.01, batch 32) on
// 64 triggered test images labeled as the target plus 64 clean ones, and measures ASR after 0, 5,
// 10 and 20 steps on the next 1,000 test images. Target: after 20 steps the cleansed model's ASR is
// at most labeled fine-tuning's (`ft`). As a yardstick, the same probe on a clean fixture of the
// same architecture (variant `never-attacked`; --reference, default <arch>-clean-s1, else
// <arch>-clean-s0): how fast 20 steps plant the trigger in a model that never had it.
// The probe runs on the saved models; nothing is retrained. Results go to
// bench/results/<date>-reactivation.json; a markdown table to stdout.
// Options: --models a,b (default: every fixture with runs)  --variants bcu,ft  --seeds 0
//          --eval 2000 (test images opened, as bench:accuracy's --eval)  --runs DIR
//          --reference NAME (the clean fixture; 'none' to skip)
import { engineModule, FIXTURE_SCALING, FIXTURE_SHAPE, flagValue, modelHash, writeAtomic } from './benchKit.mjs';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const TEST = '/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz';

const { initBackend } = engineModule('backend.js');
const { loadModel } = engineModule('modelIo/index.js');
const { openEvaluation } = engineModule('run/labeledEvaluation.js');
const { reactivationProbe } = engineModule('bcu/safety/reactivation.js');

const argv = process.argv.slice(2);
const list = (name, fallback) => flagValue(argv, name, fallback)?.split(',').filter(Boolean);
const runsDir = path.resolve(flagValue(argv, 'runs', path.join(root, 'bench', 'runs', 'accuracy')));
const variants = list('variants', 'bcu,ft');
const seeds = list('seeds', '0').map(Number);
const evalLimit = Number(flagValue(argv, 'eval', '2000'));
const reference = flagValue(argv, 'reference', null);
/** The clean fixture the probe also runs on, as the yardstick for `name` (same architecture). */
const referenceDir = (name) => {
  if (reference === 'none') return null;
  if (reference) return path.join(root, 'bench', 'fixtures', reference);
  const clean = ['s1', 's0'].map((s) => path.join(root, 'bench', 'fixtures', `${name.split('-')[0]}-clean-${s}`));
  return clean.find((dir) => existsSync(path.join(dir, 'model.json'))) ?? null;
};
const models = list('models') ?? (existsSync(runsDir) ? readdirSync(runsDir).sort() : []);
const pct = (x) => (x == null ? 'n/a' : (100 * x).toFixed(1));

async function main() {
  if (!existsSync(TEST)) throw new Error(`${TEST} not found: apt-get install dataset-fashion-mnist`);
  if (!models.length) throw new Error(`no runs in ${runsDir}: run npm run bench:accuracy first`);
  if (!(evalLimit > 0) || seeds.some((x) => !Number.isInteger(x))) throw new Error('--eval takes a positive number of images, --seeds integers (e.g. 0,1,2)');
  await initBackend('auto', { threads: 2 });
  const rows = [];
  for (const name of models) {
    const fixture = path.join(root, 'bench', 'fixtures', name);
    const attack = name.split('-')[1];
    if (attack === 'clean') continue; // no backdoor to re-activate
    const triggerPath = path.join(root, 'bench', 'triggers', `${attack}.json`);
    const attacked = await loadModel(path.join(fixture, 'model.json'));
    const evaluation = await openEvaluation(TEST, triggerPath, FIXTURE_SHAPE, evalLimit);
    try {
      for (const seed of seeds) {
        for (const variant of [...variants, ...(seed === seeds[0] ? ['never-attacked'] : [])]) {
          const dir = variant === 'never-attacked' ? referenceDir(name) : path.join(runsDir, name, `${variant}-seed${seed}`);
          if (!dir || !existsSync(path.join(dir, 'model.json'))) continue;
          const record = existsSync(path.join(dir, 'report.json')) ? JSON.parse(readFileSync(path.join(dir, 'report.json'), 'utf8')) : {};
          const defended = await loadModel(path.join(dir, 'model.json'));
          const started = Date.now();
          try {
            const probe = await reactivationProbe(attacked.model, defended.model, evaluation.source, { trigger: evaluation.trigger, scaling: FIXTURE_SCALING, seed });
            const row = {
              model: name, variant, seed, steps: probe.steps, attackedAsr: probe.attackedAsr, defendedAsr: probe.cleansedAsr, images: probe.images,
              defendedModelHash: modelHash(dir), runCreatedAt: record.createdAt, runAfter: record.after ?? null, seconds: (Date.now() - started) / 1000,
            };
            rows.push(row);
            console.error(`[${name} / ${variant}-seed${seed}] ASR after ${probe.steps.join('/')} steps: attacked ${probe.attackedAsr.map(pct).join('/')}, ${variant} ${probe.cleansedAsr.map(pct).join('/')} (${Math.round(row.seconds)} s)`);
          } finally {
            defended.model.dispose();
          }
        }
      }
    } finally {
      attacked.model.dispose();
    }
  }
  const command = `npm run bench:reactivation -- ${argv.join(' ')}`.trim();
  const file = path.join(root, 'bench', 'results', `${new Date().toISOString().slice(0, 10)}-reactivation.json`);
  // A rerun replaces its own rows and keeps the others (as bench:accuracy does).
  const key = (r) => `${r.model}|${r.variant}|${r.seed}`;
  const kept = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')).rows.filter((r) => !rows.some((n) => key(n) === key(r))) : [];
  for (const r of rows) r.command = command;
  writeAtomic(file, JSON.stringify({ probe: '64 triggered (labeled target) + 64 clean test images, SGD lr 0.01 batch 32; ASR on the next 1,000 test images', rows: [...kept, ...rows] }, null, 2) + '\n');
  const at20 = (r, key) => r[key][r.steps.indexOf(20)];
  console.log('| model | defended by | seed | ASR before probe (attacked / defended) | ASR after 20 steps (attacked / defended) |');
  console.log('|---|---|---|---|---|');
  for (const r of rows) console.log(`| ${r.model} | ${r.variant} | ${r.seed} | ${pct(r.attackedAsr[0])} / ${pct(r.defendedAsr[0])} % | ${pct(at20(r, 'attackedAsr'))} / ${pct(at20(r, 'defendedAsr'))} % |`);
  for (const name of new Set(rows.map((r) => r.model))) {
    for (const seed of seeds) {
      const bcu = rows.find((r) => r.model === name && r.seed === seed && r.variant === 'bcu');
      const ft = rows.find((r) => r.model === name && r.seed === seed && r.variant === 'ft');
      if (bcu && ft) console.log(`${name} seed ${seed}: after 20 steps BCU ${pct(at20(bcu, 'defendedAsr'))} % vs labeled FT ${pct(at20(ft, 'defendedAsr'))} %: ${at20(bcu, 'defendedAsr') <= at20(ft, 'defendedAsr') ? 'target met' : 'target NOT met'}`);
    }
  }
  console.log(`\nreproduce: ${command}\nresults: ${path.relative(root, file)}`);
}

main().catch((error) => {
  console.error(`bench:reactivation: ${error.message}`);
  process.exit(1);
});
