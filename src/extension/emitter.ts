/**
 * A minimal event emitter whose `event` has vscode.Event's shape. The job runner uses it instead
 * of vscode.EventEmitter so it runs (and is unit-tested) without the `vscode` module.
 */
import type * as vscode from 'vscode';

export class Emitter<T> {
  private readonly listeners = new Set<(event: T) => void>();

  readonly event: vscode.Event<T> = (listener, thisArgs?, disposables?) => {
    const bound = (event: T) => listener.call(thisArgs, event);
    this.listeners.add(bound);
    const subscription = { dispose: () => void this.listeners.delete(bound) };
    if (Array.isArray(disposables)) disposables.push(subscription);
    return subscription;
  };

  fire(event: T): void {
    for (const listener of [...this.listeners]) {
      try {
        listener(event);
      } catch (error) {
        // One faulty listener must not keep the others (or the runner) from hearing the event.
        console.error('[backdoor-cleanse] event listener failed:', error);
      }
    }
  }

  dispose(): void {
    this.listeners.clear();
  }
}
