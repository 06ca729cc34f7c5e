#!/usr/bin/env node
// npm run bench:warp-scan: the calibration of the scan's warp check (src/engine/suspect/warpTrigger.ts).
// For each fixture and each class t, fits the one-pixel universal warp that sends the first 256
// held-out training images (those not already predicted as t, as the scan does) to t, and prints
// its flip rate. A backdoor's target should stand out; a clean model's classes should not.
// Tune the threshold on calibration fixtures only (role in training.json); report the others.
// Options: --models a,b (default: every fixture)  --images 256  --classes 0,6 (default: all)
//          --shift 1 (largest displacement, px)  --k 7 (control points per side)
import { engineModule, FIXTURE_SCALING, FIXTURE_SHAPE, flagValue, writeAtomic } from './benchKit.mjs';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const TRAIN = '/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz';

const { initBackend } = engineModule('backend.js');
const { loadModel } = engineModule('modelIo/index.js');
const { openImageSource } = engineModule('data/index.js');
const { logitsView } = engineModule('training/logits.js');
const { imagesNotIn, loadUnitImages, predictClasses } = engineModule('suspect/suspectScan.js');
const { fitWarpTrigger, WARP_DEFAULTS } = engineModule('suspect/warpTrigger.js');

const argv = process.argv.slice(2);
const list = (name, fallback) => flagValue(argv, name, fallback)?.split(',').filter(Boolean);
const fixturesDir = path.join(root, 'bench', 'fixtures');
const models = list('models') ?? readdirSync(fixturesDir).filter((d) => existsSync(path.join(fixturesDir, d, 'model.json'))).sort();
const images = Number(flagValue(argv, 'images', '256'));
const classes = list('classes')?.map(Number) ?? null;
const maxShiftPx = Number(flagValue(argv, 'shift', String(WARP_DEFAULTS.maxShiftPx)));
const controlPoints = Number(flagValue(argv, 'k', String(WARP_DEFAULTS.controlPoints)));
const out = flagValue(argv, 'out', null);

async function main() {
  if (!existsSync(TRAIN)) throw new Error(`${TRAIN} not found: apt-get install dataset-fashion-mnist`);
  if (!(images > 0) || !(maxShiftPx > 0) || !(controlPoints >= 2)) throw new Error('--images and --shift take positive numbers, --k at least 2');
  await initBackend('auto', { threads: 2 });
  const rows = [];
  for (const name of models) {
    const dir = path.join(fixturesDir, name);
    const record = JSON.parse(readFileSync(path.join(dir, 'training.json'), 'utf8'));
    const { model } = await loadModel(path.join(dir, 'model.json'));
    const view = logitsView(model);
    // The scan's own image loading and selection (suspectScan.ts), so the figures are the scan's.
    const unit = await loadUnitImages(await openImageSource(TRAIN, { shape: FIXTURE_SHAPE, limit: images }), images);
    const predicted = predictClasses(view.model, unit, FIXTURE_SCALING);
    const classCount = model.outputs[0].shape.at(-1);
    const flips = [];
    const t0 = Date.now();
    for (let t = 0; t < classCount; t++) {
      if (classes && !classes.includes(t)) continue;
      const subset = imagesNotIn(unit, predicted, t);
      if (!subset) continue;
      const fit = await fitWarpTrigger(view.model, subset, t, { scaling: FIXTURE_SCALING, maxShiftPx, controlPoints });
      subset.dispose();
      flips.push({ class: t, flipRate: fit.flipRate, meanShiftPx: fit.meanShiftPx });
      console.error(`${name} class ${t}: warp flip ${(100 * fit.flipRate).toFixed(1)} % (mean shift ${fit.meanShiftPx.toFixed(2)} px)`);
    }
    view.restore();
    unit.dispose();
    model.dispose();
    rows.push({ model: name, role: record.role, target: record.attack === 'clean' ? null : 0, flips, seconds: (Date.now() - t0) / 1000 });
  }
  const command = `npm run bench:warp-scan -- ${argv.join(' ')}`.trim();
  console.log(`\n| model | role | target's warp flip | largest other class |\n|---|---|---|---|`);
  for (const r of rows) {
    const target = r.flips.find((f) => f.class === r.target);
    const others = r.flips.filter((f) => f.class !== r.target).sort((a, b) => b.flipRate - a.flipRate);
    const pct = (f) => (f ? `${(100 * f.flipRate).toFixed(1)} %` : '-');
    console.log(`| ${r.model} | ${r.role} | ${pct(target)} | ${others.length ? `${pct(others[0])} (class ${others[0].class})` : '-'} |`);
  }
  console.log(`\nshift ${maxShiftPx} px, ${controlPoints}x${controlPoints} control points, ${images} images; ${command}`);
  if (out) writeAtomic(path.resolve(out), JSON.stringify({ command, maxShiftPx, controlPoints, images, rows }, null, 2) + '\n');
}

main().catch((e) => {
  console.error(`bench:warp-scan: ${e.message}`);
  process.exit(1);
});
