/**
 * Errors the user can fix (bad file, bad flag, unsuitable data). The CLI maps them to exit code 2
 * and prints the message alone; the worker reports them as `job/failed` with kind 'input'.
 * Every message names the file or flag at fault and says what to do.
 */
export class InputError extends Error {
  constructor(message: string, readonly file?: string) {
    super(message);
    this.name = 'InputError';
  }
}

/** Training diverged (NaN/Inf loss): nothing is written; the message names the step. */
export class DivergedError extends Error {
  constructor(readonly epoch: number, readonly step: number, readonly lossValue: number) {
    super(`loss became ${lossValue} at epoch ${epoch + 1}, step ${step + 1}; nothing was written. Try a lower --lr.`);
    this.name = 'DivergedError';
  }
}

/** Thrown inside long loops when the caller's AbortSignal fires. */
export class CancelledError extends Error {
  constructor() {
    super('cancelled');
    this.name = 'CancelledError';
  }
}

export function throwIfAborted(signal?: AbortSignal): void {
  if (signal?.aborted) throw new CancelledError();
}
