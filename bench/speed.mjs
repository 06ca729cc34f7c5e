/**
 * Distillation speed of the engine against PyTorch on this CPU, measured side by side.
 *   npm run bench:speed -- [--models small-cnn,resnet18] [--steps N] [--warmup N] [--json]
 *   npm run bench:speed -- --memory-steps 1000 [--batch 128]      (small CNN, leak check)
 *   npm run bench:speed -- --ab-shipped MaxPoolGrad,Sum,Mean        (ours vs the shipped kernels)
 *   npm run bench:speed -- --ab-ref ../baseline                     (ours vs another checkout's built engine)
 *
 * One full distillation step is the engine's own: src/engine/bcu/distill.ts's distill() runs
 * (crop augmentation, normalization, teacher forward, student forward+backward of the KL loss at
 * T, SGD momentum 0.9 + weight decay 5e-4) on a generated source, one batch per command, micro-
 * batched as cleanse.ts would. bench/torch_step.py does the same step in PyTorch. Each runs in
 * its own process (its own peak RSS) and they ALTERNATE, step by step (ours, torch, ours, ...),
 * so that load from other processes on a shared machine hits both alike: the ratio stays
 * meaningful even when the absolute times drift.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { flagValue } from './benchKit.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..');
const argv = process.argv.slice(2);
const flag = (name, fallback) => flagValue(argv, name, fallback);
const median = (v) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];

/** Shapes and step counts per model; resnet18 steps are ~tens of seconds on two cores. */
const MODELS = {
  'small-cnn': { inputShape: [28, 28, 1], steps: 5, warmup: 1 },
  resnet18: { inputShape: [32, 32, 3], steps: 2, warmup: 1 },
};

// ---------------------------------------------------------------- worker: the engine's step
async function oursWorker() {
  const require = createRequire(import.meta.url);
  const tf = require('@tensorflow/tfjs');
  const { initBackend } = require(path.join(root, 'out/src/engine/backend.js'));
  const { buildArchitecture } = require(path.join(root, 'out/src/engine/attackLab/architectures.js'));
  const { logitsView } = require(path.join(root, 'out/src/engine/training/logits.js'));
  const { distill } = require(path.join(root, 'out/src/engine/bcu/distill.js'));
  const { microBatchFor } = require(path.join(root, 'out/src/engine/training/microBatch.js'));
  const { normalize } = require(path.join(root, 'out/src/engine/data/normalize.js'));

  const model = flag('model', 'small-cnn');
  const batch = Number(flag('batch', '128'));
  const threads = Number(flag('threads', '2'));
  const info = await initBackend(flag('backend', 'wasm'), { threads, log: () => undefined });
  const [h, w, c] = MODELS[model].inputShape;
  const build = (seed) => buildArchitecture(model, { inputShape: [h, w, c], classes: 10, seed });
  const teacher = logitsView(build(1)).model;
  const student = logitsView(build(2)).model;
  if (argv.includes('--restore-shipped')) {
    // A/B of our kernel replacements: put the backend's own kernels back for these names.
    const { shippedKernel } = require(path.join(root, 'out/src/engine/kernels/shippedKernels.js'));
    for (const name of flag('restore-shipped').split(',')) {
      const config = tf.getKernel(name, info.name);
      tf.unregisterKernel(name, info.name);
      tf.registerKernel({ ...config, kernelFunc: shippedKernel(name, info.name) });
    }
  }
  const profile = argv.includes('--profile') ? profileKernels(tf, info.name) : null;
  const microBatch = flag('micro-batch', null) != null ? Number(flag('micro-batch')) : microBatchFor(teacher, batch, info.name);
  const raw = tf.randomUniform([batch, h, w, c], 0, 255);

  const lines = createInterface({ input: process.stdin })[Symbol.asyncIterator]();
  const send = (obj) => process.stdout.write(JSON.stringify(obj) + '\n');
  const peakRssMb = () => process.resourceUsage().maxRSS / 1024;
  send({ type: 'ready', backend: info.name, threads: info.threads, microBatch });

  let started = 0;
  let tensorsBefore = 0;
  const source = {
    path: '(generated)', count: 1e9, skipped: 0, labeled: false, classNames: null,
    shape: { height: h, width: w, channels: c }, labels: () => null,
    async *batches() {
      for (;;) {
        const { value, done } = await lines.next();
        const cmd = done ? 'quit' : value.trim();
        if (cmd === 'quit') return;
        if (cmd === 'profile-reset' || cmd === 'profile-print') {
          if (cmd === 'profile-print') profile?.print();
          profile?.reset();
          send({ type: cmd });
          continue;
        }
        if (cmd === 'forward') {
          const x = tf.tidy(() => normalize(raw, { mode: 'unit' }));
          const t0 = performance.now();
          const logits = teacher.predict(x);
          logits.dataSync();
          const ms = performance.now() - t0;
          tf.dispose([x, logits]);
          send({ type: 'forward', ms, peakRssMb: peakRssMb() });
          continue;
        }
        tensorsBefore = tf.memory().numTensors;
        const x = raw.clone();
        started = performance.now();
        yield { x, labels: null, indices: new Int32Array(batch) };
      }
    },
  };
  const sink = (event) => {
    if (event.type !== 'progress') return;
    const ms = performance.now() - started;
    send({
      type: 'step', ms, value: event.loss, tensorsBefore, tensorsAfter: tf.memory().numTensors,
      rssMb: process.memoryUsage().rss / 2 ** 20, peakRssMb: peakRssMb(),
    });
  };
  await distill(teacher, student, source, {
    epochs: 1, batchSize: batch, microBatch, lr: 0.01, lrSchedule: 'constant', momentum: 0.9, weightDecay: 5e-4,
    temperatureStart: 4, temperatureEnd: 4, temperatureSquared: false, scaling: { mode: 'unit' }, seed: 0,
    augment: { padding: 4, flip: false },
  }, sink);
  process.exit(0);
}

/**
 * Wraps every kernel registered on `backendName` with a timer (WASM kernels are synchronous, so
 * wall time is the kernel's). Top-level calls only: kernels our replacements call internally go
 * through shippedKernels, not the registry, and count inside their caller.
 */
function profileKernels(tf, backendName) {
  const totals = new Map();
  let depth = 0;
  for (const config of tf.getKernelsForBackend(backendName)) {
    const inner = config.kernelFunc;
    tf.unregisterKernel(config.kernelName, backendName);
    tf.registerKernel({
      ...config,
      kernelFunc: (args) => {
        depth++;
        const t0 = performance.now();
        try {
          return inner(args);
        } finally {
          depth--;
          if (depth === 0) {
            const key = config.kernelName;
            const row = totals.get(key) ?? { ms: 0, calls: 0 };
            row.ms += performance.now() - t0;
            row.calls++;
            totals.set(key, row);
          }
        }
      },
    });
  }
  return {
    reset: () => totals.clear(),
    print: () => {
      const rows = [...totals.entries()].sort((a, b) => b[1].ms - a[1].ms);
      const all = rows.reduce((s, [, r]) => s + r.ms, 0);
      process.stderr.write(`kernel profile (top-level kernels, all steps since the last reset): ${all.toFixed(0)} ms\n`);
      for (const [name, r] of rows.slice(0, 25)) {
        process.stderr.write(`  ${name.padEnd(32)} ${r.ms.toFixed(0).padStart(8)} ms ${(100 * r.ms / all).toFixed(1).padStart(5)} %  ${r.calls} calls\n`);
      }
    },
  };
}

// ---------------------------------------------------------------- driver
/** A child answering one JSON line per command line. */
function child(command, args) {
  const proc = spawn(command, args, { cwd: root, stdio: ['pipe', 'pipe', 'inherit'] });
  const pending = [];
  const queued = [];
  createInterface({ input: proc.stdout }).on('line', (line) => {
    let msg;
    try {
      msg = JSON.parse(line);
    } catch {
      return; // a library's own print
    }
    const waiter = pending.shift();
    if (waiter) waiter.resolve(msg);
    else queued.push(msg);
  });
  const exited = new Promise((resolve) => proc.on('exit', resolve));
  exited.then((code) => {
    for (const w of pending.splice(0)) w.reject(new Error(`${command} ${args.join(' ')} exited (${code})`));
  });
  const next = () => (queued.length ? Promise.resolve(queued.shift()) : new Promise((resolve, reject) => pending.push({ resolve, reject })));
  return {
    next,
    ask: (cmd) => {
      proc.stdin.write(cmd + '\n');
      return next();
    },
    quit: async () => {
      proc.stdin.write('quit\n');
      await exited;
    },
  };
}

/** A python with torch: $BENCH_PYTHON, python3 on PATH, or Debian's (python3-torch) when pyenv shadows it. */
function pythonWithTorch() {
  const candidates = [process.env.BENCH_PYTHON, 'python3', '/usr/bin/python3'].filter(Boolean);
  return candidates.find((py) => spawnSync(py, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0) ?? null;
}

const fmt = (v, d = 0) => (v == null ? 'n/a' : v.toFixed(d));

async function benchModel(name, options, python) {
  const { batch, threads } = options;
  const steps = Number(flag('steps', String(MODELS[name].steps)));
  const warmup = Number(flag('warmup', String(MODELS[name].warmup)));
  const common = ['--model', name, '--batch', String(batch), '--threads', String(threads)];
  const ours = child(process.execPath, [fileURLToPath(import.meta.url), '--worker', ...common, ...(argv.includes('--micro-batch') ? ['--micro-batch', flag('micro-batch')] : []),
    ...(argv.includes('--profile') ? ['--profile'] : [])]);
  // --ab-shipped K1,K2: the other side is the engine with the backend's own K1, K2 (before our
  // replacements), alternated the same way; the ratio is then ours / ours-with-shipped-kernels.
  const abShipped = flag('ab-shipped', null);
  // --ab-ref DIR: the other side is the engine built in another checkout (DIR/out, through
  // DIR/bench/speed.mjs's own worker): a before/after of a change, alternated in one run.
  const abRef = flag('ab-ref', null);
  const torch = abShipped
    ? child(process.execPath, [fileURLToPath(import.meta.url), '--worker', ...common, '--restore-shipped', abShipped])
    : abRef ? child(process.execPath, [path.join(path.resolve(abRef), 'bench', 'speed.mjs'), '--worker', ...common])
      : python ? child(python, [path.join(here, 'torch_step.py'), ...common]) : null;
  const oursReady = await ours.next();
  const torchReady = torch ? await torch.next() : null;
  const other = abShipped ? 'shipped' : abRef ? 'reference' : 'torch';
  console.log(`\n== ${name}, batch ${batch}: ours = engine distill step on ${oursReady.backend} ${oursReady.threads} thread(s), micro-batch ${oursReady.microBatch}` +
    (abShipped ? `; the "shipped" column below is the engine with WASM's own ${abShipped} (A/B)`
      : abRef ? `; the "reference" column below is the engine built in ${abRef} (A/B)`
        : torchReady ? `; PyTorch ${torchReady.torch}, ${torchReady.threads} thread(s), whole batch` : '; PyTorch not importable: ours only'));

  const oursMs = [];
  const torchMs = [];
  const tensors = [];
  let oursPeak = 0;
  let torchPeak = null;
  for (let i = 0; i < warmup + steps; i++) {
    const o = await ours.ask('step');
    oursPeak = o.peakRssMb;
    const t = torch ? await torch.ask('step') : null;
    if (t) torchPeak = t.peakRssMb;
    const label = i < warmup ? 'warm-up' : `step ${i - warmup + 1}`;
    console.log(`  ${label}: ours ${fmt(o.ms)} ms (tensors ${o.tensorsBefore} -> ${o.tensorsAfter}, loss ${fmt(o.value, 4)}, peak RSS ${fmt(o.peakRssMb)} MB)` +
      (t ? `, ${other} ${fmt(t.ms)} ms (loss ${fmt(t.value, 4)})` : ''));
    if (i === warmup - 1) await ours.ask('profile-reset');
    if (i >= warmup) {
      oursMs.push(o.ms);
      if (t) torchMs.push(t.ms);
      tensors.push(o.tensorsAfter);
    }
  }
  await ours.ask('profile-print'); // prints the steps' kernel times with --profile
  const forwardOurs = [];
  const forwardTorch = [];
  for (let i = 0; i < Math.max(3, steps) + 1; i++) {
    const o = await ours.ask('forward');
    const t = torch ? await torch.ask('forward') : null;
    if (i === 0) continue; // warm-up
    forwardOurs.push(o.ms);
    if (t) forwardTorch.push(t.ms);
    oursPeak = o.peakRssMb;
    if (t) torchPeak = t.peakRssMb;
  }
  await ours.quit();
  if (torch) await torch.quit();

  const stable = tensors.every((n) => n === tensors[0]);
  const ratios = torchMs.map((t, i) => oursMs[i] / t);
  const result = {
    name,
    batch,
    microBatch: oursReady.microBatch,
    backend: oursReady.backend,
    threads: oursReady.threads,
    steps,
    oursMs: median(oursMs),
    torchMs: torchMs.length ? median(torchMs) : null,
    ratio: torchMs.length ? median(oursMs) / median(torchMs) : null,
    ratioMin: ratios.length ? Math.min(...ratios) : null,
    ratioMax: ratios.length ? Math.max(...ratios) : null,
    forwardOursMs: median(forwardOurs),
    forwardTorchMs: forwardTorch.length ? median(forwardTorch) : null,
    imagesPerSecond: (1000 * batch) / median(oursMs),
    torchImagesPerSecond: torchMs.length ? (1000 * batch) / median(torchMs) : null,
    peakRssMb: oursPeak,
    torchPeakRssMb: torchPeak,
    tensorsPerStep: tensors[0],
    tensorsStable: stable,
  };
  console.log(`  step median: ours ${fmt(result.oursMs)} ms (${fmt(result.imagesPerSecond, 1)} img/s), ${other} ${fmt(result.torchMs)} ms` +
    ` (${fmt(result.torchImagesPerSecond, 1)} img/s)`);
  if (ratios.length) {
    console.log(`  ratio ours/${abShipped ? 'shipped kernels' : abRef ? 'reference' : 'PyTorch'} per alternated pair: min ${fmt(result.ratioMin, 2)}, median ${fmt(median(ratios), 2)}, max ${fmt(result.ratioMax, 2)}` +
      `; of medians ${fmt(result.ratio, 2)}`);
  }
  console.log(`  forward (teacher, batch ${batch}): ours ${fmt(result.forwardOursMs)} ms, ${other} ${fmt(result.forwardTorchMs)} ms`);
  console.log(`  peak RSS: ours ${fmt(result.peakRssMb)} MB, ${other} ${fmt(result.torchPeakRssMb)} MB`);
  console.log(`  tensors after each step: ${tensors.join(', ')} -> ${stable ? 'stable' : 'GROWING (leak)'}`);
  return result;
}

async function memoryCheck(options) {
  const steps = Number(flag('memory-steps', '1000'));
  const ours = child(process.execPath, [fileURLToPath(import.meta.url), '--worker', '--model', 'small-cnn',
    '--batch', String(options.batch), '--threads', String(options.threads)]);
  const ready = await ours.next();
  console.log(`memory check: small-cnn, batch ${options.batch}, ${steps} steps on ${ready.backend} ${ready.threads} thread(s), micro-batch ${ready.microBatch}`);
  const baselineAt = Math.max(2, Math.floor(steps / 10));
  let baseline = null;
  let last = null;
  const started = performance.now();
  for (let i = 1; i <= steps; i++) {
    last = await ours.ask('step');
    if (i === baselineAt) baseline = last;
    if (i % Math.max(1, Math.floor(steps / 10)) === 0 || i === steps) {
      console.log(`  step ${i}: tensors ${last.tensorsAfter}, RSS ${fmt(last.rssMb)} MB, ${fmt(last.ms)} ms, ${fmt((performance.now() - started) / 1000)} s so far`);
    }
  }
  await ours.quit();
  const tensorGrowth = last.tensorsAfter - baseline.tensorsAfter;
  const rssGrowth = last.rssMb - baseline.rssMb;
  // WASM memory only grows; after warm-up it must stay put. 32 MB allows allocator noise.
  const ok = tensorGrowth === 0 && rssGrowth < 32;
  console.log(`  from step ${baselineAt} to ${steps}: tensors ${tensorGrowth >= 0 ? '+' : ''}${tensorGrowth}, RSS ${rssGrowth >= 0 ? '+' : ''}${fmt(rssGrowth, 1)} MB -> ${ok ? 'OK, no growth' : 'GROWTH'}`);
  if (argv.includes('--json')) {
    console.log(JSON.stringify({ type: 'memory', steps, batch: options.batch, tensorGrowth, rssGrowthMb: rssGrowth, peakRssMb: last.peakRssMb, ok }));
  }
  if (!ok) process.exitCode = 1;
}

async function main() {
  const options = { batch: Number(flag('batch', '128')), threads: Number(flag('threads', '2')) };
  if (argv.includes('--memory-steps')) return memoryCheck(options);
  const names = flag('models', 'small-cnn,resnet18').split(',');
  for (const n of names) if (!MODELS[n]) throw new Error(`--models: unknown ${n}; choose from ${Object.keys(MODELS).join(', ')}`);
  const python = ['--no-torch', '--ab-shipped', '--ab-ref'].some((f) => argv.includes(f)) ? null : pythonWithTorch();
  const models = [];
  for (const name of names) models.push(await benchModel(name, options, python));
  if (models.some((m) => !m.tensorsStable)) process.exitCode = 1;
  if (argv.includes('--json')) console.log(JSON.stringify({ type: 'result', models }));
}

(argv.includes('--worker') ? oursWorker() : main()).catch((err) => {
  console.error(err);
  process.exit(1);
});
