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

/**
 * The data check stopped a cleanse before training (bcu/dataGate.ts): an input error (exit 2)
 * that the user may override by accepting the warning, so the host can offer to.
 */
export class DataCheckError extends InputError {
  constructor(message: string, file?: string) {
    super(message, file);
    this.name = 'DataCheckError';
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
