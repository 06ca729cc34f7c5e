/** The protocol's message guards and the worker's mapping of thrown errors to failure kinds. */
import * as assert from 'node:assert/strict';
import { PROTOCOL_VERSION, isHostToWorker, isWorkerToHost } from '../../../src/shared/protocol';
import { failureOf, isOutOfMemory } from '../../../src/worker/failureOf';

describe('protocol guards', () => {
  it('accepts every worker-to-host method and nothing else', () => {
    for (const method of ['worker/ready', 'job/event', 'job/done', 'job/failed']) assert.equal(isWorkerToHost({ method }), true, method);
    for (const value of [null, undefined, 1, 'job/done', {}, { method: 'job/start' }, { method: 'job/cancel' }, { method: 'job/progress' }]) {
      assert.equal(isWorkerToHost(value), false, JSON.stringify(value));
    }
  });

  it('accepts every host-to-worker method and nothing else', () => {
    assert.equal(isHostToWorker({ method: 'job/start', protocol: PROTOCOL_VERSION, jobId: 'a', job: { kind: 'inspect', params: { model: 'm' } } }), true);
    assert.equal(isHostToWorker({ method: 'job/cancel', jobId: 'a' }), true);
    for (const value of [null, 'job/start', { method: 'job/done' }, { method: 'worker/ready' }, { jobId: 'a' }]) {
      assert.equal(isHostToWorker(value), false, JSON.stringify(value));
    }
  });
});

describe('worker failure classification', () => {
  const named = (name: string, message: string, extra: Record<string, unknown> = {}) => Object.assign(new Error(message), { name }, extra);

  it('maps engine errors by name', () => {
    assert.deepEqual(failureOf(named('InputError', 'bad --data', { file: '/d' })), { kind: 'input', message: 'bad --data', file: '/d' });
    assert.deepEqual(failureOf(named('DivergedError', 'loss became NaN')), { kind: 'diverged', message: 'loss became NaN' });
    assert.deepEqual(failureOf(named('DataCheckError', 'the data check failed on /d', { file: '/d' })), { kind: 'data-check', message: 'the data check failed on /d', file: '/d' });
    assert.deepEqual(failureOf(named('CancelledError', 'cancelled')), { kind: 'cancelled', message: 'Cancelled.' });
  });

  it('calls anything thrown after the signal fired a cancellation', () => {
    const abort = new AbortController();
    abort.abort();
    assert.equal(failureOf(new Error('tensor disposed'), abort.signal).kind, 'cancelled');
  });

  it("reports WASM aborts and allocation failures as 'out-of-memory'", () => {
    const wasmAbort = named('RuntimeError', 'Aborted(). Build with -sASSERTIONS for more info.');
    assert.equal(isOutOfMemory(wasmAbort), true);
    assert.equal(failureOf(wasmAbort).kind, 'out-of-memory');
    assert.equal(failureOf(new RangeError('Array buffer allocation failed')).kind, 'out-of-memory');
    assert.equal(failureOf(new Error('OOM when allocating tensor with shape[64,32,32,64]')).kind, 'out-of-memory');
  });

  it("keeps everything else 'internal' with its stack, and survives non-Error throws", () => {
    const failure = failureOf(new TypeError('x is undefined'));
    assert.equal(failure.kind, 'internal');
    assert.match(failure.stack ?? '', /TypeError: x is undefined/);
    assert.equal(failureOf('plain string').message, 'plain string');
  });
});
