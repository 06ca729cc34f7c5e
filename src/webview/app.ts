/**
 * The panel app: owns the state, turns user actions and host notifications into new states,
 * saves each state for restore (vscode.setState), and re-renders the sections in one batch.
 */
import { PANEL_PROTOCOL_VERSION, isPanelNotification, pickCommandFor, type PanelNotification } from '../shared/panelMessages';
import { h, memo } from './dom';
import type { HostApi } from './hostApi';
import { LAYER_COLUMNS } from './layerColumns';
import { applyNotification } from './reducer';
import { cancelScan, editRatio, resetSchedule, scheduleForModel } from './schedule';
import { isJobActive, restorePanelState, type PanelState } from './state';
import { nextSort } from './tableSort';
import { validateForm } from './validation';
import type { PanelActions } from './views/actions';
import { renderCharts } from './views/chartsView';
import { createFormView } from './views/formView';
import { renderProgress } from './views/progressView';
import { renderResults } from './views/resultsView';
import { createScheduleView } from './views/scheduleView';

/** Typing a path: ask for an inspect once the user pauses, not per keystroke. */
const INSPECT_DEBOUNCE_MS = 600;
/** Start stays disabled this long after a click unless the host answers first (no double starts). */
const START_GUARD_MS = 5000;

export function startPanel(host: HostApi, root: HTMLElement): void {
  let state: PanelState = restorePanelState(host.savedState());
  let renderQueued = false;
  let inspectTimer: ReturnType<typeof setTimeout> | undefined;
  let startGuardUntil = 0;

  const update = (next: PanelState): void => {
    if (next === state) return;
    state = next;
    queueRender();
  };

  const wantsInspect = (model: string): boolean => {
    if (!/\.json$/i.test(model)) return false;
    const schedule = state.schedule;
    return !schedule || schedule.model !== model || schedule.status === 'error' || (schedule.status === 'loading' && schedule.layers.length === 0);
  };

  const requestInspect = (force = false): void => {
    clearTimeout(inspectTimer);
    const model = state.form.model.trim();
    if (!force && !wantsInspect(model)) return;
    if (!/\.json$/i.test(model)) return;
    update({ ...state, schedule: scheduleForModel(state.schedule, model) });
    host.send('inspect', { model });
  };

  const actions: PanelActions = {
    editForm(field, value) {
      update({ ...state, form: { ...state.form, [field]: value } });
      if (field === 'model') {
        clearTimeout(inspectTimer);
        inspectTimer = setTimeout(() => requestInspect(), INSPECT_DEBOUNCE_MS);
      }
    },
    pick(field) {
      host.send(pickCommandFor(field), { current: state.form[field].trim() || undefined });
    },
    editRatio(layerName, text) {
      if (state.schedule) update({ ...state, schedule: editRatio(state.schedule, layerName, text) });
    },
    resetSchedule() {
      if (state.schedule) update({ ...state, schedule: resetSchedule(state.schedule) });
    },
    inspectWithData() {
      const model = state.form.model.trim();
      const data = state.form.data.trim();
      if (!/\.json$/i.test(model) || data === '') return;
      clearTimeout(inspectTimer);
      update({ ...state, schedule: { ...scheduleForModel(state.schedule, model), scanned: true } });
      const limit = Number(state.form.limit.trim());
      host.send('inspect', Number.isInteger(limit) && limit > 0 ? { model, data, limit } : { model, data });
    },
    cancelScan() {
      if (!state.schedule) return;
      host.send('inspect/cancel', { model: state.schedule.model });
      update({ ...state, schedule: cancelScan(state.schedule) });
    },
    start() {
      if (isJobActive(state.job) || Date.now() < startGuardUntil) return;
      const validation = validateForm(state.form, state.schedule);
      if (!validation.ok) {
        form.revealErrors();
        queueRender();
        return;
      }
      startGuardUntil = Date.now() + START_GUARD_MS;
      host.send('job/start', { method: state.form.method, params: validation.params });
      queueRender();
      setTimeout(queueRender, START_GUARD_MS + 50);
    },
    cancel() {
      if (state.job && isJobActive(state.job)) host.send('job/cancel', { jobId: state.job.jobId });
    },
    sortLayers(key) {
      update({ ...state, layerSort: nextSort(state.layerSort, key, LAYER_COLUMNS) });
    },
    openModel(path) {
      host.send('open/model', { path });
    },
    openReport(path) {
      host.send('open/report', { path });
    },
  };

  const form = createFormView(actions);
  const schedule = createScheduleView(actions);
  form.scheduleSlot.append(schedule.element);
  const banner = h('div', { id: 'banner', role: 'alert', hidden: true });
  const progressHolder = h('div');
  const chartsHolder = h('div');
  const resultsHolder = h('div');
  root.replaceChildren(
    h('header', { class: 'panel-header' }, h('h1', undefined, 'Backdoor Cleanse'), h('p', { class: 'muted' }, 'Remove a backdoor from an image classifier using only unlabeled images.')),
    banner,
    h('div', { class: 'layout' }, h('div', { class: 'column setup-column' }, form.element), h('div', { class: 'column run-column' }, progressHolder, chartsHolder, resultsHolder)),
  );

  const renderProgressSection = memo((job: PanelState['job']) => progressHolder.replaceChildren(renderProgress(job)));
  const renderChartsSection = memo((job: PanelState['job']) => chartsHolder.replaceChildren(renderCharts(job)));
  const renderResultsSection = memo((job: PanelState['job'], sort: PanelState['layerSort']) => resultsHolder.replaceChildren(renderResults(job, sort, actions)));

  function render(): void {
    renderQueued = false;
    host.saveState(state);
    const validation = validateForm(state.form, state.schedule);
    form.update(state, validation);
    schedule.update(state.schedule, state.form.model, validation.scheduleErrors, state.form.data);
    if (Date.now() < startGuardUntil && !isJobActive(state.job)) form.element.querySelector('#start')?.setAttribute('disabled', '');
    banner.hidden = state.protocolMismatch === null;
    banner.textContent =
      state.protocolMismatch === null
        ? ''
        : `This panel (protocol ${PANEL_PROTOCOL_VERSION}) does not match the extension (protocol ${state.protocolMismatch}). Close and reopen the panel.`;
    renderProgressSection(state.job);
    renderChartsSection(state.job);
    renderResultsSection(state.job, state.layerSort);
    document.body.dataset.jobStatus = state.job?.status ?? 'idle';
  }

  function queueRender(): void {
    if (renderQueued) return;
    renderQueued = true;
    setTimeout(render, 16);
  }

  const onNotification = (msg: PanelNotification): void => {
    const previousJobId = state.job?.jobId;
    update(applyNotification(state, msg, Date.now()));
    switch (msg.method) {
      case 'job/started':
        startGuardUntil = 0;
        // A new run: bring its progress into view (the form above it is long).
        if (state.job && state.job.jobId !== previousJobId) setTimeout(() => progressHolder.scrollIntoView({ behavior: 'smooth', block: 'start' }), 50);
        queueRender();
        break;
      case 'job/ended':
        startGuardUntil = 0;
        queueRender();
        break;
      case 'picked':
        if (msg.params.field === 'model' && msg.params.path !== undefined) requestInspect();
        break;
      case 'form/prefill':
        requestInspect();
        break;
      case 'state/init':
        // After a reload the model is known but its inspect answer may have been lost.
        if (state.form.model.trim() !== '' && (state.schedule === null || state.schedule.status !== 'ready')) requestInspect(true);
        // A run we lost track of may have finished meanwhile: its report tells.
        if (state.job?.status === 'interrupted' && state.job.params?.out) host.send('report/load', { path: state.job.params.out });
        break;
      default:
        break;
    }
  };

  window.addEventListener('message', (event: MessageEvent) => {
    if (isPanelNotification(event.data)) onNotification(event.data);
  });
  render();
  host.send('panel/ready', { protocol: PANEL_PROTOCOL_VERSION });
}
