/** The error a RunningJob's `result` rejects with: the worker's failure kind plus its message. */
import type { FailureKind } from '../shared/failure';

export class JobFailure extends Error {
  constructor(readonly kind: FailureKind, message: string, readonly file?: string) {
    super(message);
    this.name = 'JobFailure';
  }
}
