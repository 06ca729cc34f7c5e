/**
 * Starts tfjs's WASM backend in Node with a pthread pool (tfjs 4.22 disables threads in Node).
 *
 * Why it is disabled: the threaded-SIMD build hands its pthread worker script (locateFile
 * '.worker.js' -> URL.createObjectURL(Blob)) and its main module (Module.mainScriptUrlOrBlob, a
 * Blob) to workers as Blobs, which worker_threads cannot load. What we do, during
 * initialization only:
 *  - capture the text of both Blobs as the bundle creates them (a Blob subclass);
 *  - write them to a private temporary folder; give the worker script's path to `new Worker`, and
 *    make the worker resolve the main module's Blob to its file (a line appended to the worker);
 *  - bind in the main-module file the bundle-scope names its factory function refers to
 *    (require$$N, commonjsGlobal, tslib helpers), checked against the captured text;
 *  - report twice the real core count: the backend caps its pool at half the logical cores
 *    (it assumes hyper-threading), which is 1 thread on a 2-vCPU machine.
 * Everything is restored and the folder deleted as soon as initialization ends: all pool
 * workers have read both files by then. Pinned to @tensorflow/tfjs-backend-wasm 4.22.0 and
 * feature-detected; any failure falls back to one thread with the reason.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';

// The module object itself (an `import *` namespace is a copy): the bundle reads os.cpus() from it.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const os: typeof import('os') = require('os');

type WasmPackage = typeof import('@tensorflow/tfjs-backend-wasm');

/** The bundle version whose internals this patch knows. */
export const PATCHED_WASM_VERSION = '4.22.0';
/** Pool workers the 4.22 threaded build pre-spawns (PTHREAD_POOL_SIZE); more threads would need files we deleted. */
const PREALLOCATED_WORKERS = 8;
const MAIN_MODULE_PREFIX = 'var WasmBackendModuleThreadedSimd = ';
const WORKER_SCRIPT_MARKER = 'WasmBackendModuleThreadedSimd(Module)';

/** Bundle-scope names in the 4.22 Node bundle that the threaded factory function refers to. */
const BUNDLE_BINDINGS: Record<string, string> = {
  require$$0: 'require("fs")',
  require$$1: 'require("path")',
  require$$3: 'require("perf_hooks")',
  require$$4: 'require("os")',
  commonjsGlobal: 'globalThis',
  // tslib helpers the transpiled factory calls (ES5 for-of and spread over arrays).
  __values: 'function (o) { return o[Symbol.iterator](); }',
  __read: 'function (o, n) { var a = Array.from(o); return n === undefined ? a : a.slice(0, n); }',
  __spreadArray: 'function (to, from) { return to.concat(Array.prototype.slice.call(from)); }',
};
const TSLIB_HELPERS = /\b(__extends|__assign|__rest|__decorate|__awaiter|__generator|__values|__read|__spreadArrays?|__spread|__await|__asyncGenerator|__asyncValues|__makeTemplateObject|__importStar|__importDefault|__classPrivateField\w*|__createBinding|__exportStar)\(/g;

export interface WasmStart {
  /** Threads XNNPACK computes with (the backend's own count). */
  threads: number;
  /** Why this many, for BackendInfo.reason, e.g. "2 threads" or "1 thread (2-thread start failed: ...)". */
  detail: string;
}

export interface WasmStartOptions {
  threads: number;
  log: (msg: string) => void;
  /**
   * How long the threaded start may take before we fall back (0.6-3 s measured on a loaded
   * 2-core machine). Default 30 s, or BCU_WASM_START_TIMEOUT_MS.
   */
  timeoutMs?: number;
}

/** Sets the WASM backend with as many threads as asked and allowed; throws if WASM cannot start at all. */
export async function startWasmBackend(wasm: WasmPackage, options: WasmStartOptions): Promise<WasmStart> {
  const wanted = Math.max(1, Math.floor(options.threads));
  let why: string;
  if (wanted === 1) {
    why = 'asked for 1 thread';
  } else {
    const blocker = await threadingBlocker(wasm);
    if (blocker == null) {
      const attempt = await startThreaded(wasm, Math.min(wanted, PREALLOCATED_WORKERS), options.timeoutMs ?? (Number(process.env.BCU_WASM_START_TIMEOUT_MS) || 30_000));
      if (attempt.ok) {
        unrefPoolWorkers();
        const threads = wasm.getThreadsCount();
        const detail = threads >= wanted
          ? `${threads} threads`
          : `${threads} thread${threads === 1 ? '' : 's'} (asked for ${wanted}; the pool is capped at ${PREALLOCATED_WORKERS} and the core count)`;
        return { threads, detail };
      }
      why = `${wanted}-thread start failed: ${attempt.error}`;
    } else {
      why = blocker;
    }
    options.log(`wasm: using 1 thread: ${why}`);
  }
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  wasm.setThreadsCount(1);
  if (!(await tf.setBackend('wasm'))) throw new Error('the WASM backend failed to initialize (see the warning above)');
  return { threads: wasm.getThreadsCount(), detail: `1 thread (${why})` };
}

/**
 * Emscripten refs a worker while a pthread runs on it, and XNNPACK's pool threads run for the
 * life of the module: without this the process would never exit on its own. They only ever
 * work for the main thread, so letting the process end under them loses nothing.
 */
function unrefPoolWorkers(): void {
  const module = (tf.backend() as unknown as { wasm?: { PThread?: { runningWorkers?: unknown[]; unusedWorkers?: unknown[] } } }).wasm;
  const pool = module?.PThread;
  for (const worker of [...(pool?.runningWorkers ?? []), ...(pool?.unusedWorkers ?? [])]) {
    (worker as { unref?: () => void }).unref?.();
  }
}

/** Null when the threaded build can run here, else why not. */
async function threadingBlocker(wasm: WasmPackage): Promise<string | null> {
  if (wasm.version_wasm !== PATCHED_WASM_VERSION) {
    return `the threads workaround knows @tensorflow/tfjs-backend-wasm ${PATCHED_WASM_VERSION}, found ${wasm.version_wasm}`;
  }
  if (!(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'))) return 'no WebAssembly SIMD (the threaded build needs it)';
  if (typeof SharedArrayBuffer !== 'function') return 'no SharedArrayBuffer in this runtime';
  try {
    // A module with a shared memory and an atomic load: what the threaded build needs.
    const probe = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 4, 1, 96, 0, 0, 3, 2, 1, 0, 5, 4, 1, 3, 1, 1, 10, 11, 1, 9, 0, 65, 0, 254, 16, 2, 0, 26, 11]);
    if (!WebAssembly.validate(probe)) return 'no WebAssembly threads (atomics) in this runtime';
    require('worker_threads');
  } catch (err) {
    return `no worker_threads (${errorMessage(err)})`;
  }
  if (typeof Blob !== 'function' || typeof URL.createObjectURL !== 'function') return 'no Blob/URL.createObjectURL to intercept';
  if (os.availableParallelism() < 2) return 'one CPU core';
  return null;
}

async function startThreaded(wasm: WasmPackage, threads: number, timeoutMs: number): Promise<{ ok: true } | { ok: false; error: string }> {
  const factory = tf.findBackendFactory('wasm');
  const loader = new ThreadedLoaderPatch();
  let timer: NodeJS.Timeout | undefined;
  let timedOut = false;
  try {
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', true);
    wasm.setThreadsCount(threads);
    loader.install();
    const timeout = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => { timedOut = true; resolve(false); }, timeoutMs);
    });
    const ok = await Promise.race([tf.setBackend('wasm'), timeout]);
    if (ok) return { ok: true };
    return { ok: false, error: loader.error ?? (timedOut ? `no answer within ${timeoutMs / 1000} s` : 'initialization failed (see the warning above)') };
  } catch (err) {
    return { ok: false, error: loader.error ?? errorMessage(err) };
  } finally {
    clearTimeout(timer);
    loader.uninstall();
    if (timedOut && factory) {
      // The stalled start still holds the engine's pending init: drop it and start afresh.
      tf.removeBackend('wasm');
      tf.registerBackend('wasm', factory, 2);
    }
  }
}

/** The global interceptions that exist only while the threaded module initializes. */
class ThreadedLoaderPatch {
  /** Set when the captured code is not what this patch knows; initialization then fails fast. */
  error: string | null = null;
  private dir: string | null = null;
  private mainModuleText: string | null = null;
  private readonly blobTexts = new WeakMap<Blob, string>();
  private readonly originals = { Blob: globalThis.Blob, createObjectURL: URL.createObjectURL, cpus: os.cpus };

  install(): void {
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bcu-wasm-threads-'));
    const patch = this;
    const RealBlob = this.originals.Blob;
    globalThis.Blob = class CapturingBlob extends RealBlob {
      constructor(parts?: BlobPart[], options?: BlobPropertyBag) {
        super(parts, options);
        if (parts && parts.every((p) => typeof p === 'string')) {
          const text = (parts as string[]).join('');
          patch.blobTexts.set(this, text);
          if (text.startsWith(MAIN_MODULE_PREFIX)) patch.mainModuleText = text;
        }
      }
    };
    URL.createObjectURL = (obj: Blob | MediaSource) => {
      const text = obj instanceof RealBlob ? this.blobTexts.get(obj) : undefined;
      if (text == null || !text.includes(WORKER_SCRIPT_MARKER)) return this.originals.createObjectURL(obj);
      return this.writeWorkerFiles(text); // a throw here makes the backend's init reject at once
    };
    const realCpus = this.originals.cpus;
    os.cpus = () => {
      const cpus = realCpus();
      return cpus.concat(cpus);
    };
  }

  uninstall(): void {
    globalThis.Blob = this.originals.Blob;
    URL.createObjectURL = this.originals.createObjectURL;
    os.cpus = this.originals.cpus;
    if (this.dir) fs.rmSync(this.dir, { recursive: true, force: true });
    this.dir = null;
  }

  /** Writes the main module and worker script (once) and returns the worker script's path. */
  private writeWorkerFiles(workerText: string): string {
    const dir = this.dir!;
    const mainPath = path.join(dir, 'tfjs-backend-wasm-threaded-simd.js');
    const workerPath = path.join(dir, 'tfjs-backend-wasm-threaded-simd.worker.js');
    if (fs.existsSync(workerPath)) return workerPath;
    try {
      const main = this.mainModuleText;
      if (main == null) throw new Error('the threaded main module was not seen');
      const unknown = unboundNames(main);
      if (unknown.length) throw new Error(`the threaded main module refers to unknown bundle names: ${unknown.join(', ')}`);
      const bindings = Object.entries(BUNDLE_BINDINGS).map(([name, value]) => `var ${name} = ${value};`);
      bindings.push(`var _scriptDir = ${JSON.stringify(mainPath)};`);
      fs.writeFileSync(mainPath, `${bindings.join('\n')}\n${main}\n`);
      // The worker receives the main module as a Blob it cannot import: point it at the file.
      fs.writeFileSync(workerPath, `${workerText}\n;URL.createObjectURL = function () { return ${JSON.stringify(mainPath)}; };\n` +
        'URL.revokeObjectURL = function () {};\n');
      return workerPath;
    } catch (err) {
      this.error = errorMessage(err);
      throw err;
    }
  }
}

/** Bundle-scope names the captured main module uses that BUNDLE_BINDINGS does not provide. */
function unboundNames(mainText: string): string[] {
  const used = new Set<string>();
  for (const m of mainText.matchAll(/\brequire\$\$\d+\b/g)) used.add(m[0]);
  for (const m of mainText.matchAll(TSLIB_HELPERS)) used.add(m[1]);
  return [...used].filter((name) => !(name in BUNDLE_BINDINGS)).sort();
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
