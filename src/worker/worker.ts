/**
 * The worker: a child Node process that runs engine jobs for the extension host over IPC.
 * Says worker/ready (with its protocol version), runs one job at a time on job/start, streams
 * engine events as job/event, answers job/done or job/failed, and aborts on job/cancel.
 * An uncaught error (e.g. the WASM heap's `RuntimeError: Aborted()`) leaves tfjs unusable: it is
 * reported as job/failed and the process exits. Closing the IPC channel ends the process.
 */
import { runJob } from '../engine/run/jobs';
import { PROTOCOL_VERSION, isHostToWorker, type JobStartMessage, type WorkerToHost } from '../shared/protocol';
import { failureOf } from './failureOf';

let running: { jobId: string; abort: AbortController } | undefined;

function send(message: WorkerToHost): Promise<void> {
  return new Promise((resolve) => {
    if (!process.send || !process.connected) return resolve();
    process.send(message, undefined, {}, () => resolve());
  });
}

async function start(message: JobStartMessage): Promise<void> {
  const { jobId } = message;
  if (message.protocol !== PROTOCOL_VERSION) {
    await send({ method: 'job/failed', jobId, error: { kind: 'internal', message: `the host speaks protocol ${message.protocol}, this worker ${PROTOCOL_VERSION}; rebuild or reinstall the extension` } });
    return;
  }
  if (running) {
    await send({ method: 'job/failed', jobId, error: { kind: 'internal', message: `the worker is busy with ${running.jobId}` } });
    return;
  }
  const abort = new AbortController();
  running = { jobId, abort };
  try {
    const result = await runJob(message.job, (event) => void send({ method: 'job/event', jobId, event }), abort.signal);
    await send({ method: 'job/done', jobId, result });
  } catch (error) {
    const failure = failureOf(error, abort.signal);
    await send({ method: 'job/failed', jobId, error: failure });
    // After an OOM the WASM heap is gone for good: leave, the host starts a fresh worker.
    if (failure.kind === 'out-of-memory') process.exit(1);
  } finally {
    running = undefined;
  }
}

/** Last resort for errors thrown outside the job's promise chain (WASM aborts land here). */
async function failAndExit(error: unknown): Promise<never> {
  const failure = failureOf(error);
  process.stderr.write(`backdoor-cleanse worker: uncaught ${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
  if (running) await send({ method: 'job/failed', jobId: running.jobId, error: failure });
  process.exit(failure.kind === 'out-of-memory' ? 3 : 1);
}

if (!process.send) {
  process.stderr.write('backdoor-cleanse worker: start me with an IPC channel (child_process.fork)\n');
  process.exit(2);
}

process.on('message', (message: unknown) => {
  if (!isHostToWorker(message)) return;
  if (message.method === 'job/start') void start(message);
  else if (message.method === 'job/cancel' && running?.jobId === message.jobId) running.abort.abort();
});
process.on('disconnect', () => process.exit(0));
process.on('uncaughtException', (error) => void failAndExit(error));
process.on('unhandledRejection', (reason) => void failAndExit(reason));

void send({ method: 'worker/ready', protocol: PROTOCOL_VERSION, pid: process.pid });
