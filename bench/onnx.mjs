/**
 * Cost of importing an ONNX model: wall time of loadModel (decode, checks, graph -> layers, weights)
 * and the memory it takes, against the file size. The budget for resnet18 (45 MB): under
 * 5 s and under 3x the file size.
 *   npm run bench:onnx                       (torchvision resnet18, exported once into bench/cache/onnx/)
 *   npm run bench:onnx -- --model x.onnx [--runs 3] [--backend wasm|cpu] [--json]
 * Each run is a fresh Node process: memory is its peak RSS (getrusage maxrss) minus its RSS just
 * before the load (after the backend started), so the tfjs and WASM runtime are not counted.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { flagValue } from './benchKit.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..');
const argv = process.argv.slice(2);
const flag = (name, fallback) => flagValue(argv, name, fallback);

async function child(model, backend) {
  const require = createRequire(import.meta.url);
  const { initBackend } = require(path.join(root, 'out/src/engine/backend.js'));
  const { loadModel } = require(path.join(root, 'out/src/engine/modelIo/index.js'));
  const tf = require('@tensorflow/tfjs');
  await initBackend(backend);
  global.gc?.();
  const rssBefore = process.memoryUsage().rss;
  const t0 = performance.now();
  const loaded = await loadModel(model);
  const seconds = (performance.now() - t0) / 1000;
  const peakRss = process.resourceUsage().maxRSS * 1024;
  const params = loaded.model.countParams();
  const layers = loaded.model.layers.length;
  process.stdout.write(JSON.stringify({ seconds, rssBefore, peakRss, params, layers, tensorBytes: tf.memory().numBytes }) + '\n');
  loaded.model.dispose();
}

function resnet18() {
  const dir = path.join(root, 'bench/cache/onnx');
  const file = path.join(dir, 'resnet18/model.onnx');
  if (!existsSync(file)) {
    console.error(`exporting torchvision resnet18 (random weights) into ${dir} with /usr/bin/python3 ...`);
    const run = spawnSync('/usr/bin/python3', [path.join(root, 'test/fixtures/onnx/export_torchvision.py'), dir, 'resnet18'], { stdio: ['ignore', 'ignore', 'inherit'] });
    if (run.status !== 0) throw new Error('export failed: python3-torch and python3-torchvision are needed (or pass --model x.onnx)');
  }
  return file;
}

async function main() {
  if (argv[0] === '--child') return child(argv[1], argv[2]);
  const model = path.resolve(flag('model', '') || resnet18());
  const runs = Number(flag('runs', '3'));
  const backend = flag('backend', 'wasm');
  const fileBytes = statSync(model).size;
  const rows = [];
  for (let i = 0; i < runs; i++) {
    const run = spawnSync(process.execPath, ['--expose-gc', fileURLToPath(import.meta.url), '--child', model, backend], { encoding: 'utf8' });
    if (run.status !== 0) throw new Error(run.stderr);
    const row = JSON.parse(run.stdout.trim().split('\n').pop());
    row.memoryBytes = row.peakRss - row.rssBefore;
    rows.push(row);
  }
  const median = (v) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];
  const seconds = median(rows.map((r) => r.seconds));
  const memory = median(rows.map((r) => r.memoryBytes));
  const summary = {
    model, backend, fileMB: +(fileBytes / 1e6).toFixed(1), runs, params: rows[0].params, layers: rows[0].layers,
    importSeconds: +seconds.toFixed(2), importSecondsAll: rows.map((r) => +r.seconds.toFixed(2)),
    memoryMB: +(memory / 1e6).toFixed(1), memoryOverFileSize: +(memory / fileBytes).toFixed(2),
    withinBudget: seconds < 5 && memory < 3 * fileBytes,
    command: `npm run bench:onnx -- --model ${path.relative(root, model)} --runs ${runs} --backend ${backend}`,
  };
  if (argv.includes('--json')) console.log(JSON.stringify(summary, null, 2));
  else {
    console.log(`${path.basename(path.dirname(model))}/${path.basename(model)}: ${summary.fileMB} MB, ${summary.params} parameters, ${summary.layers} layers`);
    console.log(`import: ${summary.importSeconds} s (median of ${runs}: ${summary.importSecondsAll.join(', ')}), memory ${summary.memoryMB} MB = ${summary.memoryOverFileSize}x the file (budget: 5 s, 3x)`);
    console.log(`reproduce: ${summary.command}`);
  }
}

main().catch((error) => {
  console.error(error.message ?? error);
  process.exit(1);
});
