/** What the views may ask for (PanelActions), done by changing the state or messaging the host. */
import { pickCommandFor } from '../shared/panelMessages';
import type { HostApi } from './hostApi';
import type { InspectRequests } from './inspectRequests';
import { LAYER_COLUMNS } from './layerColumns';
import { START_GUARD_MS, type PanelStore, type StartGuard } from './panelStore';
import { editRatio, resetSchedule } from './schedule';
import { isJobActive, type ScheduleState } from './state';
import { nextSort } from './tableSort';
import { validateForm } from './validation';
import type { PanelActions } from './views/actions';

export interface PanelActionsContext {
  store: PanelStore;
  host: HostApi;
  inspect: InspectRequests;
  startGuard: StartGuard;
  /** Show every field's error (Start with an invalid form). */
  revealErrors(): void;
  /** Render again without a state change (the Start guard ran out). */
  rerender(): void;
}

export function createPanelActions({ store, host, inspect, startGuard, revealErrors, rerender }: PanelActionsContext): PanelActions {
  const editSchedule = (edit: (schedule: ScheduleState) => ScheduleState): void => {
    const state = store.get();
    if (state.schedule) store.set({ ...state, schedule: edit(state.schedule) });
  };
  return {
    editForm(field, value) {
      const state = store.get();
      store.set({ ...state, form: { ...state.form, [field]: value } });
      if (field === 'model') inspect.debounce();
    },
    pick(field) {
      host.send(pickCommandFor(field), { current: store.get().form[field].trim() || undefined });
    },
    editRatio: (layerName, text) => editSchedule((schedule) => editRatio(schedule, layerName, text)),
    resetSchedule: () => editSchedule(resetSchedule),
    inspectWithData: () => inspect.withData(),
    cancelScan: () => inspect.cancelScan(),
    start() {
      const state = store.get();
      if (isJobActive(state.job) || Date.now() < startGuard.until) return;
      const validation = validateForm(state.form, state.schedule);
      if (!validation.ok) {
        revealErrors();
        rerender();
        return;
      }
      startGuard.until = Date.now() + START_GUARD_MS;
      host.send('job/start', { spec: validation.spec });
      rerender();
      setTimeout(rerender, START_GUARD_MS + 50);
    },
    cancel() {
      const job = store.get().job;
      if (job && isJobActive(job)) host.send('job/cancel', { jobId: job.jobId });
    },
    sortLayers(key) {
      const state = store.get();
      store.set({ ...state, layerSort: nextSort(state.layerSort, key, LAYER_COLUMNS) });
    },
    openModel: (path) => host.send('open/model', { path }),
    openReport: (path) => host.send('open/report', { path }),
  };
}
