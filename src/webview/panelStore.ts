/** The panel's one state and who hears about a change (the batched render). */
import type { PanelState } from './state';

export interface PanelStore {
  get(): PanelState;
  /** Replaces the state; an identical object changes nothing. */
  set(next: PanelState): void;
}

export function createPanelStore(initial: PanelState, onChange: () => void): PanelStore {
  let state = initial;
  return {
    get: () => state,
    set(next) {
      if (next === state) return;
      state = next;
      onChange();
    },
  };
}

/** Start stays disabled this long after a click unless the host answers first (no double starts). */
export const START_GUARD_MS = 5000;

/** Until when Start is held back after a click (0: not held). */
export interface StartGuard {
  until: number;
}
