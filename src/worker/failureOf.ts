/**
 * Maps whatever a job threw to the protocol's failure: the kind tells the host how to present it.
 * Matched by error name, not class identity, so errors from any copy of the engine classify alike.
 */
import { OUT_OF_MEMORY_PATTERN, type ReportedFailure } from '../shared/failure';

export function failureOf(error: unknown, signal?: AbortSignal): ReportedFailure {
  const err = error instanceof Error ? error : new Error(String(error));
  const name = err.name;
  if (name === 'CancelledError' || name === 'AbortError' || signal?.aborted) {
    return { kind: 'cancelled', message: 'Cancelled.' };
  }
  if (name === 'InputError' || name === 'DataCheckError') {
    const file = (err as { file?: unknown }).file;
    return { kind: name === 'DataCheckError' ? 'data-check' : 'input', message: err.message, ...(typeof file === 'string' ? { file } : {}) };
  }
  if (name === 'DivergedError') return { kind: 'diverged', message: err.message };
  if (isOutOfMemory(err)) {
    return {
      kind: 'out-of-memory',
      message: `Out of memory (${err.message.split('\n')[0]}). Try a smaller batch or limit, or the 'tensorflow' backend.`,
      stack: err.stack,
    };
  }
  return { kind: 'internal', message: err.message || String(error), stack: err.stack };
}

export function isOutOfMemory(err: Error): boolean {
  return OUT_OF_MEMORY_PATTERN.test(err.message);
}
