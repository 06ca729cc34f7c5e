/**
 * The panel's page: header, protocol banner, the setup column (form with the schedule in it) and
 * the run column (progress, charts, results), and how one state renders into it. Sections whose
 * slice of the state did not change are not rebuilt (memo).
 */
import { PANEL_PROTOCOL_VERSION } from '../shared/panelMessages';
import { h, memo } from './dom';
import type { StartGuard } from './panelStore';
import { isJobActive, type PanelState } from './state';
import { validateForm } from './validation';
import type { PanelActions } from './views/actions';
import { renderCharts } from './views/chartsView';
import type { FormView } from './views/formView';
import { renderProgress } from './views/progressView';
import { renderResults } from './views/resultsView';
import type { ScheduleView } from './views/scheduleView';

export interface PanelView {
  render(state: PanelState): void;
  /** Brings a new run's progress into view (the form above it is long). */
  revealProgress(): void;
}

export function createPanelView(root: HTMLElement, form: FormView, schedule: ScheduleView, actions: PanelActions, startGuard: StartGuard): PanelView {
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

  return {
    render(state) {
      const validation = validateForm(state.form, state.schedule);
      form.update(state, validation);
      schedule.update(state.schedule, state.form.model, validation.scheduleErrors, state.form.data);
      if (Date.now() < startGuard.until && !isJobActive(state.job)) form.element.querySelector('#start')?.setAttribute('disabled', '');
      banner.hidden = state.protocolMismatch === null;
      banner.textContent =
        state.protocolMismatch === null
          ? ''
          : `This panel (protocol ${PANEL_PROTOCOL_VERSION}) does not match the extension (protocol ${state.protocolMismatch}). Close and reopen the panel.`;
      renderProgressSection(state.job);
      renderChartsSection(state.job);
      renderResultsSection(state.job, state.layerSort);
      document.body.dataset.jobStatus = state.job?.status ?? 'idle';
    },
    revealProgress() {
      setTimeout(() => progressHolder.scrollIntoView({ behavior: 'smooth', block: 'start' }), 50);
    },
  };
}
