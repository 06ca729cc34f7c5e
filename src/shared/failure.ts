/**
 * How a job can fail, as every process reports it: the engine's errors become a `Failure` in the
 * worker (src/worker/failureOf.ts), travel in `job/failed`, and reach the panel and the status bar
 * as the same shape. One home, so the kinds and fields cannot drift apart.
 */

/**
 * 'data-check': the cleanse stopped before training because the images look out of distribution;
 * the same job with `acceptDataWarning` goes on (the CLI's --accept-data-warning, a confirmation in
 * the editor).
 */
export type FailureKind = 'input' | 'data-check' | 'diverged' | 'cancelled' | 'out-of-memory' | 'internal';

export interface Failure {
  kind: FailureKind;
  /** One line a user can act on. */
  message: string;
  /** The user's file the failure is about, when there is one (bad model, bad image folder). */
  file?: string;
}

/** A failure as the worker sends it: internal failures carry the stack for the log. */
export interface ReportedFailure extends Failure {
  stack?: string;
}

/**
 * What running out of memory looks like, in an error message or on a dead worker's stderr: WASM
 * aborts (`RuntimeError: Aborted()`), V8 heap exhaustion, allocation failures, TensorFlow's OOM.
 * The worker classifies thrown errors with it; the host matches a crashed worker's stderr.
 */
export const OUT_OF_MEMORY_PATTERN = /Aborted\(|out of memory|Reached heap limit|Array buffer allocation failed|OOM when allocating|std::bad_alloc|Cannot allocate memory/i;
