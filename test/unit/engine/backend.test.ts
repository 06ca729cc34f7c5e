/**
 * Backend selection: 'auto' falls back cleanly without tfjs-node (absent here) and reports WASM
 * with its thread count and reason; forced choices work or throw a message that says what to do.
 * The two-thread WASM start is also checked in fresh child processes (it happens once per
 * process): temporary files removed, the process exits on its own, one-thread fallbacks explained.
 */
import * as assert from 'assert';
import { execFile } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import { backendTesting, currentBackend, initBackend } from '../../../src/engine/backend';
import type { BackendInfo } from '../../../src/shared/report';
import { REPO_ROOT, compiled } from '../../fixtures/repoPaths';

const expectedWasmThreads = Math.min(os.availableParallelism(), 8);
const NOT_INSTALLED = /tfjs-node not installed \(Cannot find module '@tensorflow\/tfjs-node'\)/;

function moduleNotFound(id: string): Error {
  return Object.assign(new Error(`Cannot find module '${id}'\nRequire stack:\n- somewhere`), { code: 'MODULE_NOT_FOUND' });
}

interface ChildResult { info?: BackendInfo; error?: string; leftInTmp: string[]; numTensors: number; logs: string[] }

/** Runs initBackend in a fresh Node process with a private TMPDIR; `prelude` runs first. */
function initInChild(choice: string, options: string, prelude = '', env: Record<string, string> = {}): Promise<ChildResult> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'bcu-backend-test-'));
  const backendModule = compiled('src/engine/backend.ts');
  const script = `
    ${prelude}
    const fs = require('fs');
    const tf = require('@tensorflow/tfjs');
    const { initBackend } = require(${JSON.stringify(backendModule)});
    const logs = [];
    initBackend(${JSON.stringify(choice)}, { ...${options}, log: (m) => logs.push(m) }).then(
      (info) => {
        const y = tf.tidy(() => tf.conv2d(tf.ones([1, 8, 8, 3]), tf.ones([3, 3, 3, 4]), 1, 'same').sum());
        y.dataSync(); y.dispose();
        return { info };
      },
      (err) => ({ error: err.message }),
    ).then((r) => {
      r.leftInTmp = fs.readdirSync(process.env.TMPDIR);
      r.numTensors = tf.memory().numTensors;
      r.logs = logs;
      process.stdout.write('RESULT ' + JSON.stringify(r) + '\\n');
      // No process.exit: the test also checks that the pool workers let the process end.
    });`;
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['-e', script], {
      cwd: REPO_ROOT, env: { ...process.env, ...env, TMPDIR: tmp }, timeout: 90_000,
    }, (err, stdout, stderr) => {
      fs.rmSync(tmp, { recursive: true, force: true });
      const line = stdout.split('\n').find((l) => l.startsWith('RESULT '));
      if (err || !line) return reject(new Error(`child failed: ${err?.message ?? 'no result'}\n${stdout}\n${stderr}`));
      resolve(JSON.parse(line.slice('RESULT '.length)) as ChildResult);
    });
  });
}

describe('initBackend', function () {
  this.timeout(120_000);

  it("'auto' falls back to wasm when tfjs-node is absent, with the thread count and why", async () => {
    const info = await initBackend('auto');
    assert.strictEqual(info.name, 'wasm');
    assert.strictEqual(tf.getBackend(), 'wasm');
    assert.match(info.reason, NOT_INSTALLED);
    assert.match(info.reason, /wasm with \d+ threads? .*\((no )?SIMD\)$/);
    assert.strictEqual(info.threads, expectedWasmThreads, info.reason);
    assert.deepStrictEqual(currentBackend(), info);
  });

  it('is idempotent: repeated and concurrent calls give the same answer', async () => {
    const first = await initBackend('auto');
    const [a, b] = await Promise.all([initBackend('auto'), initBackend()]);
    assert.strictEqual(a, first);
    assert.strictEqual(b, first);
    assert.strictEqual(tf.getBackend(), 'wasm');
  });

  it("forcing 'tensorflow' without tfjs-node throws what to do, and changes nothing", async () => {
    await initBackend('wasm');
    await assert.rejects(initBackend('tensorflow'), (err: Error) => {
      assert.match(err.message, /^--backend tensorflow: tfjs-node not installed \(Cannot find module '@tensorflow\/tfjs-node'\)/);
      assert.match(err.message, /Install it with npm i @tensorflow\/tfjs-node.*or use --backend wasm$/);
      return true;
    });
    assert.strictEqual(tf.getBackend(), 'wasm');
    assert.strictEqual(currentBackend()?.name, 'wasm');
  });

  it("forcing 'cpu' works, and switching back to wasm keeps wasm's answer", async () => {
    const cpu = await initBackend('cpu');
    assert.deepStrictEqual({ name: cpu.name, threads: cpu.threads }, { name: 'cpu', threads: 1 });
    assert.match(cpu.reason, /pure-JS cpu/);
    assert.strictEqual(tf.getBackend(), 'cpu');
    assert.strictEqual(currentBackend(), cpu);
    const wasm = await initBackend('wasm');
    assert.strictEqual(wasm.name, 'wasm');
    assert.strictEqual(wasm.threads, expectedWasmThreads);
    assert.strictEqual(tf.getBackend(), 'wasm');
  });

  it('rejects an unknown choice', async () => {
    await assert.rejects(initBackend('gpu' as never), /unknown backend 'gpu'/);
  });

  describe('with a stand-in for tfjs-node', () => {
    afterEach(async () => {
      backendTesting.setModuleLoader(null);
      if (tf.findBackendFactory('tensorflow') != null) tf.removeBackend('tensorflow');
      backendTesting.forget('tensorflow');
      await initBackend('wasm');
    });

    it("'tensorflow' tries tfjs-node-gpu first, then tfjs-node, and says which loaded", async () => {
      const tried: string[] = [];
      backendTesting.setModuleLoader((id) => {
        tried.push(id);
        if (id === '@tensorflow/tfjs-node') {
          // What tfjs-node does on require: register its backend into the shared tfjs-core.
          tf.registerBackend('tensorflow', () => new MathBackendCPU(), 3);
          return {};
        }
        throw moduleNotFound(id);
      });
      const info = await initBackend('tensorflow');
      assert.deepStrictEqual(tried, ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node']);
      assert.strictEqual(info.name, 'tensorflow');
      assert.strictEqual(tf.getBackend(), 'tensorflow');
      assert.match(info.reason, /^@tensorflow\/tfjs-node loaded/);
      assert.ok(info.threads >= 1);
    });

    it('a tfjs-node that fails to load is reported as such, not as missing', async () => {
      backendTesting.setModuleLoader((id) => {
        if (id === '@tensorflow/tfjs-node') throw new Error('libtensorflow.so.2: cannot open shared object file');
        throw moduleNotFound(id);
      });
      await assert.rejects(initBackend('tensorflow'), /--backend tensorflow: tfjs-node failed to load \(libtensorflow\.so\.2: cannot open shared object file\)/);
      assert.strictEqual(tf.getBackend(), 'wasm');
    });
  });

  describe('in a fresh process', () => {
    it("'auto' starts wasm with its threads, leaves no temporary files, and lets the process exit", async () => {
      const r = await initInChild('auto', '{}');
      assert.ok(r.info, r.error);
      assert.strictEqual(r.info.name, 'wasm');
      assert.strictEqual(r.info.threads, expectedWasmThreads, r.info.reason);
      assert.match(r.info.reason, NOT_INSTALLED);
      assert.deepStrictEqual(r.leftInTmp, []);
      assert.strictEqual(r.numTensors, 0);
    });

    it('threads: 1 runs one thread and says so', async () => {
      const r = await initInChild('wasm', '{ threads: 1 }');
      assert.strictEqual(r.info?.threads, 1);
      assert.match(r.info!.reason, /^wasm with 1 thread \(asked for 1 thread\)/);
    });

    it('an unknown wasm bundle version falls back to one thread with a logged reason', async () => {
      const r = await initInChild('wasm', '{}', "require('@tensorflow/tfjs-backend-wasm').version_wasm = '9.9.9';");
      assert.strictEqual(r.info?.threads, 1);
      assert.match(r.info!.reason, /1 thread \(the threads workaround knows @tensorflow\/tfjs-backend-wasm 4\.22\.0, found 9\.9\.9\)/);
      assert.ok(r.logs.some((l) => l.includes('using 1 thread')), JSON.stringify(r.logs));
      assert.deepStrictEqual(r.leftInTmp, []);
    });

    it('a threaded start that never finishes times out and falls back to one thread, cleaned up', async () => {
      // Pool workers that never report 'loaded': the threaded module waits for them forever.
      const stalledWorkers = `
        const { EventEmitter } = require('events');
        require('worker_threads').Worker = class extends EventEmitter {
          postMessage() {} terminate() {} ref() {} unref() {}
        };`;
      const r = await initInChild('auto', '{}', stalledWorkers, { BCU_WASM_START_TIMEOUT_MS: '1500' });
      assert.strictEqual(r.info?.name, 'wasm', r.error);
      assert.strictEqual(r.info.threads, 1);
      assert.match(r.info.reason, /1 thread \(\d-thread start failed: no answer within 1\.5 s\)/);
      assert.deepStrictEqual(r.leftInTmp, []);
      assert.strictEqual(r.numTensors, 0);
    });
  });
});
