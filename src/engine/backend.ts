/**
 * Chooses and starts the tfjs backend the engine computes with, and says why.
 *
 * 'auto': TensorFlow (@tensorflow/tfjs-node-gpu, then @tensorflow/tfjs-node) when one loads,
 * else WASM with a pthread pool where the runtime allows (see kernels/wasmThreads.ts), else the
 * pure-JS 'cpu' backend. A forced choice that cannot start throws an Error saying what to do.
 * On wasm and cpu the training kernels of kernels/register.ts are registered first (the cpu
 * ones whenever wasm or cpu starts: @tensorflow/tfjs always carries the cpu backend).
 * Idempotent: a backend starts once per process; later calls switch to it and return the same
 * BackendInfo.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import type { BackendChoice } from '../shared/protocol';
import type { BackendInfo, BackendName } from '../shared/report';
import { registerTrainingGradients, registerTrainingKernels } from './kernels/register';
import { startWasmBackend } from './kernels/wasmThreads';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const os: typeof import('os') = require('os');

type WasmPackage = typeof import('@tensorflow/tfjs-backend-wasm');

export interface InitBackendOptions {
  /** WASM pthread pool size; default: the logical cores, at most 8 (2 on a 2-vCPU machine). */
  threads?: number;
  log?: (msg: string) => void;
}

/** Backends started in this process, by name (a backend starts once: WASM cannot restart). */
const started = new Map<BackendName, BackendInfo>();
let autoChoice: BackendInfo | null = null;
let current: BackendInfo | null = null;
let queue: Promise<unknown> = Promise.resolve();
// eslint-disable-next-line @typescript-eslint/no-require-imports
let loadModule: (id: string) => unknown = (id) => require(id);

/** The backend the last successful initBackend call selected, or null before any. */
export function currentBackend(): BackendInfo | null {
  return current;
}

export function initBackend(choice: BackendChoice = 'auto', options: InitBackendOptions = {}): Promise<BackendInfo> {
  // One at a time: two overlapping starts of the same backend would race in tfjs's engine.
  const next = queue.then(() => initBackendNow(choice, options));
  queue = next.catch(() => undefined);
  return next;
}

async function initBackendNow(choice: BackendChoice, options: InitBackendOptions): Promise<BackendInfo> {
  const log = options.log ?? (() => undefined);
  let info: BackendInfo;
  switch (choice) {
    case 'auto':
      info = autoChoice ?? (autoChoice = await chooseAutomatically(options, log));
      break;
    case 'tensorflow':
    case 'wasm':
    case 'cpu': {
      const outcome = await startBackend(choice, options, log);
      if ('failure' in outcome) throw new Error(`--backend ${choice}: ${outcome.failure}${outcome.advice ? `. ${outcome.advice}` : ''}`);
      info = outcome.info;
      break;
    }
    default:
      throw new Error(`unknown backend '${String(choice)}': use auto, tensorflow, wasm or cpu`);
  }
  if (tf.getBackend() !== info.name && !(await tf.setBackend(info.name))) {
    throw new Error(`the ${info.name} backend started earlier but cannot be selected again`);
  }
  current = info;
  return info;
}

async function chooseAutomatically(options: InitBackendOptions, log: (msg: string) => void): Promise<BackendInfo> {
  const skipped: string[] = [];
  for (const name of ['tensorflow', 'wasm'] as const) {
    const outcome = await startBackend(name, options, log);
    if ('info' in outcome) return { ...outcome.info, reason: [...skipped, outcome.info.reason].join('; ') };
    skipped.push(outcome.failure);
    log(`backend: ${outcome.failure}`);
  }
  const cpu = await startBackend('cpu', options, log);
  if ('failure' in cpu) throw new Error(`no tfjs backend could start: ${[...skipped, cpu.failure].join('; ')}`);
  return { ...cpu.info, reason: [...skipped, cpu.info.reason].join('; ') };
}

/** `advice` says what to do; it goes into the error of a forced choice, not into auto's reason. */
type Outcome = { info: BackendInfo } | { failure: string; advice?: string };

async function startBackend(name: BackendName, options: InitBackendOptions, log: (msg: string) => void): Promise<Outcome> {
  const known = started.get(name);
  if (known) {
    if (name === 'wasm' && options.threads != null && options.threads !== known.threads) {
      log(`wasm already runs with ${known.threads} thread(s); threads=${options.threads} applies after a restart`);
    }
    return { info: known };
  }
  const outcome = name === 'tensorflow' ? await startTensorflow() : name === 'wasm' ? await startWasm(options, log) : await startCpu();
  if ('info' in outcome) started.set(name, outcome.info);
  return outcome;
}

/** tfjs-node-gpu first: on a GPU machine it is the one the user installed on purpose. */
const TENSORFLOW_PACKAGES = ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'] as const;

async function startTensorflow(): Promise<Outcome> {
  const problems: string[] = [];
  for (const pkg of TENSORFLOW_PACKAGES) {
    try {
      loadModule(pkg);
    } catch (err) {
      // A missing GPU build is the normal case: mention it only if the CPU build fails too.
      if (isNotInstalled(err, pkg)) problems.push(`${shortName(pkg)} not installed (${firstLine(err)})`);
      else problems.push(`${shortName(pkg)} failed to load (${firstLine(err)})`);
      continue;
    }
    if (tf.findBackendFactory('tensorflow') == null) {
      problems.push(`${shortName(pkg)} loaded but registered no 'tensorflow' backend with this @tensorflow/tfjs (two tfjs-core copies? versions must match 4.22)`);
      continue;
    }
    if (!(await tf.setBackend('tensorflow'))) {
      problems.push(`${shortName(pkg)} loaded but its backend failed to initialize`);
      continue;
    }
    registerTrainingGradients();
    const gpu = pkg.endsWith('-gpu');
    return {
      info: {
        name: 'tensorflow',
        threads: os.availableParallelism(),
        reason: `${pkg} loaded (TensorFlow native${gpu ? ', CUDA GPU' : ''}; its own intra-op thread pool)`,
      },
    };
  }
  const relevant = problems.filter((p) => !p.startsWith('tfjs-node-gpu not installed'));
  return {
    failure: (relevant.length ? relevant : problems).join('; '),
    advice: 'Install it with npm i @tensorflow/tfjs-node (or @tensorflow/tfjs-node-gpu on a CUDA machine), or use --backend wasm',
  };
}

async function startWasm(options: InitBackendOptions, log: (msg: string) => void): Promise<Outcome> {
  let wasm: WasmPackage;
  try {
    wasm = loadModule('@tensorflow/tfjs-backend-wasm') as WasmPackage;
    if (tf.findBackendFactory('wasm') == null) {
      return { failure: 'wasm: @tensorflow/tfjs-backend-wasm registered into another tfjs-core copy (versions must match 4.22)', advice: 'Reinstall with npm ci, or use --backend cpu' };
    }
    // Resolved at run time from node_modules: the bundles keep @tensorflow/* external.
    const dist = path.join(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist');
    if (!fs.existsSync(path.join(dist, 'tfjs-backend-wasm.wasm'))) return { failure: `wasm: no binaries in ${dist}` };
    wasm.setWasmPaths(dist + path.sep);
  } catch (err) {
    return { failure: `wasm unavailable (${firstLine(err)})`, advice: 'Reinstall with npm ci, or use --backend cpu' };
  }
  registerTrainingKernels('wasm');
  registerTrainingKernels('cpu'); // the cpu backend is always there; anyone switching to it gains
  registerTrainingGradients();
  try {
    const threads = options.threads ?? Math.min(os.availableParallelism(), 8);
    const start = await startWasmBackend(wasm, { threads, log });
    const simd = (await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')) ? 'SIMD' : 'no SIMD';
    return { info: { name: 'wasm', threads: start.threads, reason: `wasm with ${start.detail} (${simd})` } };
  } catch (err) {
    return { failure: `wasm failed to start (${firstLine(err)})`, advice: 'Use --backend cpu for small models' };
  }
}

async function startCpu(): Promise<Outcome> {
  registerTrainingKernels('cpu');
  registerTrainingGradients();
  if (!(await tf.setBackend('cpu'))) return { failure: 'the pure-JS cpu backend failed to initialize' };
  return { info: { name: 'cpu', threads: 1, reason: 'pure-JS cpu backend, 1 thread (slow: small models only)' } };
}

function isNotInstalled(err: unknown, pkg: string): boolean {
  return (err as NodeJS.ErrnoException)?.code === 'MODULE_NOT_FOUND' && firstLine(err).includes(`'${pkg}'`);
}

function shortName(pkg: string): string {
  return pkg.replace('@tensorflow/', '');
}

function firstLine(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return message.split('\n')[0].trim();
}

/** Test seams: a fake module loader (to stand in for tfjs-node) and forgetting a started backend. */
export const backendTesting = {
  setModuleLoader(loader: ((id: string) => unknown) | null): void {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    loadModule = loader ?? ((id) => require(id));
  },
  forget(name: BackendName): void {
    started.delete(name);
    if (autoChoice?.name === name) autoChoice = null;
    if (current?.name === name) current = null;
  },
};
