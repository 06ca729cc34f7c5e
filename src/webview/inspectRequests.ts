/**
 * When the schedule needs an inspect of the model, and asking the host for one: after a pause in
 * typing, at once after a pick or a prefill, with the images for "Check the images", and the
 * cancel of that check.
 */
import type { HostApi } from './hostApi';
import type { PanelStore } from './panelStore';
import { cancelScan, scheduleForModel } from './schedule';
import type { ScheduleState } from './state';

/** Typing a path: ask for an inspect once the user pauses, not per keystroke. */
export const INSPECT_DEBOUNCE_MS = 600;

export interface InspectRequests {
  /** The model path is being typed: inspect once the user pauses. */
  debounce(): void;
  /** Inspect the form's model now, unless the schedule already has it (force: always). */
  request(force?: boolean): void;
  /** "Check the images": inspect again with the form's images (data quality, suspect scan). */
  withData(): void;
  /** Cancel "Check the images"; the schedule goes back to the model's layers. */
  cancelScan(): void;
}

/** A model the panel can show the layers of: a TF.js model.json or an ONNX file. */
const isModelPath = (model: string): boolean => /\.(json|onnx)$/i.test(model);

/** Whether the schedule lacks this model's layers (new model, an error, or a load that never answered). */
export function wantsInspect(schedule: ScheduleState | null, model: string): boolean {
  if (!isModelPath(model)) return false;
  return !schedule || schedule.model !== model || schedule.status === 'error' || (schedule.status === 'loading' && schedule.layers.length === 0);
}

export function createInspectRequests(store: PanelStore, host: HostApi): InspectRequests {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const request = (force = false): void => {
    clearTimeout(timer);
    const state = store.get();
    const model = state.form.model.trim();
    if (!isModelPath(model) || (!force && !wantsInspect(state.schedule, model))) return;
    store.set({ ...state, schedule: scheduleForModel(state.schedule, model) });
    host.send('inspect', { model });
  };
  return {
    request,
    debounce() {
      clearTimeout(timer);
      timer = setTimeout(() => request(), INSPECT_DEBOUNCE_MS);
    },
    withData() {
      const state = store.get();
      const model = state.form.model.trim();
      const data = state.form.data.trim();
      if (!isModelPath(model) || data === '') return;
      clearTimeout(timer);
      store.set({ ...state, schedule: { ...scheduleForModel(state.schedule, model), scanned: true } });
      const limit = Number(state.form.limit.trim());
      host.send('inspect', Number.isInteger(limit) && limit > 0 ? { model, data, limit } : { model, data });
    },
    cancelScan() {
      const schedule = store.get().schedule;
      if (!schedule) return;
      host.send('inspect/cancel', { model: schedule.model });
      store.set({ ...store.get(), schedule: cancelScan(schedule) });
    },
  };
}
