/**
 * The panel app: one state (restored from vscode.getState), the actions the views may ask for,
 * the host's notifications turned into new states, and a batched render that also saves each
 * state for restore. The parts live beside it: panelStore, panelActions, inspectRequests, panelView.
 */
import { PANEL_PROTOCOL_VERSION, isPanelNotification, type PanelNotification } from '../shared/panelMessages';
import type { HostApi } from './hostApi';
import { createInspectRequests, type InspectRequests } from './inspectRequests';
import { createPanelActions } from './panelActions';
import { createPanelStore, type PanelStore, type StartGuard } from './panelStore';
import { createPanelView, type PanelView } from './panelView';
import { applyNotification } from './reducer';
import { restorePanelState } from './state';
import { createFormView } from './views/formView';
import { createScheduleView } from './views/scheduleView';

/** Renders run at most once per frame-ish, however many changes came in. */
const RENDER_DELAY_MS = 16;

export function startPanel(host: HostApi, root: HTMLElement): void {
  let renderQueued = false;
  const queueRender = (): void => {
    if (renderQueued) return;
    renderQueued = true;
    setTimeout(render, RENDER_DELAY_MS);
  };
  const store = createPanelStore(restorePanelState(host.savedState()), queueRender);
  const startGuard: StartGuard = { until: 0 };
  const inspect = createInspectRequests(store, host);
  const actions = createPanelActions({ store, host, inspect, startGuard, revealErrors: () => form.revealErrors(), rerender: queueRender });
  const form = createFormView(actions);
  const view = createPanelView(root, form, createScheduleView(actions), actions, startGuard);

  function render(): void {
    renderQueued = false;
    host.saveState(store.get());
    view.render(store.get());
  }

  window.addEventListener('message', (event: MessageEvent) => {
    if (isPanelNotification(event.data)) onHostNotification(event.data, { store, host, inspect, startGuard, view, queueRender });
  });
  render();
  host.send('panel/ready', { protocol: PANEL_PROTOCOL_VERSION });
}

interface NotificationContext {
  store: PanelStore;
  host: HostApi;
  inspect: InspectRequests;
  startGuard: StartGuard;
  view: PanelView;
  queueRender(): void;
}

/** A host notification: the new state, then what it sets off (an inspect, a scroll, a report load). */
function onHostNotification(msg: PanelNotification, { store, host, inspect, startGuard, view, queueRender }: NotificationContext): void {
  const previousJobId = store.get().job?.jobId;
  store.set(applyNotification(store.get(), msg, Date.now()));
  const state = store.get();
  switch (msg.method) {
    case 'job/started':
      startGuard.until = 0;
      if (state.job && state.job.jobId !== previousJobId) view.revealProgress();
      queueRender();
      break;
    case 'job/ended':
      startGuard.until = 0;
      queueRender();
      break;
    case 'picked':
      if (msg.params.field === 'model' && msg.params.path !== undefined) inspect.request();
      break;
    case 'form/prefill':
      inspect.request();
      break;
    case 'state/init':
      // After a reload the model is known but its inspect answer may have been lost.
      if (state.form.model.trim() !== '' && (state.schedule === null || state.schedule.status !== 'ready')) inspect.request(true);
      // A run we lost track of may have finished meanwhile: its report tells.
      if (state.job?.status === 'interrupted' && state.job.params?.out) host.send('report/load', { path: state.job.params.out });
      break;
    default:
      break;
  }
}
