/**
 * How host notifications change the panel state. Pure and immutable (a changed slice is a new
 * object), so the views re-render only the sections whose slice changed, and tests need no DOM.
 */
import type { CleanseParams, CleanseResult, DefendResult, EngineEvent, JobResult, JobSpec } from '../shared/protocol';
import { PANEL_PROTOCOL_VERSION, isPanelRunKind, type DefenseMethod, type PanelNotification, type PanelNotificationParams } from '../shared/panelMessages';
import type { RunRecord } from '../shared/report';
import { findingsOfReport, inspectFindings } from './findings';
import { appendStepPoint, stepPointOf } from './stepHistory';
import { initialFormValues, isJobActive, newJobView, type JobView, type PanelState } from './state';

const MAX_LOG_LINES = 30;

export function applyNotification(state: PanelState, msg: PanelNotification, now: number): PanelState {
  switch (msg.method) {
    case 'state/init':
      return applyInit(state, msg.params, now);
    case 'picked':
      return msg.params.path === undefined ? state : { ...state, form: { ...state.form, [msg.params.field]: msg.params.path } };
    case 'job/started':
      return applyJobStarted(state, msg.params, now);
    case 'job/event':
      if (!state.job || state.job.jobId !== msg.params.jobId) return state;
      return { ...state, job: applyEngineEvent(state.job, msg.params.event) };
    case 'job/ended':
      return applyJobEnded(state, msg.params, now);
    case 'inspect/result':
      return applyInspectResult(state, msg.params);
    case 'form/prefill': {
      const { model, data, evalData = '', trigger = '' } = msg.params;
      return { ...state, form: { ...state.form, method: 'bcu', model, data, evalData, trigger, out: '' } };
    }
    case 'inspect/progress': {
      const schedule = state.schedule;
      if (!schedule || schedule.model !== msg.params.model || schedule.status !== 'loading') return state;
      return { ...state, schedule: { ...schedule, scanProgress: msg.params.progress } };
    }
    case 'report/loaded': {
      const loaded = jobViewFromReport(msg.params.path, msg.params.report, now);
      // The same run we were following (it ended while we were away): keep its per-step curve.
      const same = state.job !== null && state.job.params?.out !== undefined && state.job.params.out !== '' && loaded.params?.out === state.job.params.out;
      return { ...state, job: same ? { ...loaded, jobId: state.job!.jobId, steps: state.job!.steps, params: state.job!.params } : loaded };
    }
  }
}

function applyInit(state: PanelState, init: PanelNotificationParams['state/init'], now: number): PanelState {
  let next: PanelState = {
    ...state,
    methods: init.methods.length > 0 ? init.methods : state.methods,
    backends: init.backends.length > 0 ? init.backends : state.backends,
    protocolMismatch: init.protocol === PANEL_PROTOCOL_VERSION ? null : init.protocol,
  };
  if (!state.defaultsApplied) {
    const defaults = initialFormValues(init.defaults);
    // Keep paths the user may already have typed; take every setting from the host.
    next = { ...next, defaultsApplied: true, form: { ...defaults, ...pickPaths(state.form) } };
  }
  if (init.job) {
    next = applyJobStarted(next, init.job, now);
  } else if (isJobActive(next.job)) {
    // The run ended while this webview was gone (reload, panel closed): we missed its end.
    next = { ...next, job: { ...next.job!, status: 'interrupted', endedAt: now } };
  }
  return next;
}

function pickPaths(form: PanelState['form']): Partial<PanelState['form']> {
  const { model, data, out, evalData, trigger } = form;
  return { model, data, out, evalData, trigger };
}

/** A run's method and its settings in the form's shape (a defend job's data may be absent: ''). */
export function runOfSpec(spec: JobSpec): { kind: 'cleanse' | 'defend'; method: DefenseMethod; params: CleanseParams } | null {
  if (spec.kind === 'cleanse') return { kind: 'cleanse', method: 'bcu', params: spec.params };
  if (spec.kind === 'defend') {
    const { method, u: _u, ...rest } = spec.params;
    return { kind: 'defend', method, params: { ...rest, data: spec.params.data ?? '' } };
  }
  return null;
}

function applyJobStarted(state: PanelState, info: PanelNotificationParams['job/started'], now: number): PanelState {
  const run = isPanelRunKind(info.spec.kind) ? runOfSpec(info.spec) : null;
  if (!run) {
    // Inspect/evaluate jobs do not replace the run view; an inspect of our model shows as loading.
    return state;
  }
  const status = info.queued ? 'queued' : 'running';
  const same = state.job !== null && state.job.jobId === info.jobId ? state.job : null;
  if (info.history) {
    // Rebuild from the host's record; keep our per-step curve (the host keeps only the last step).
    const base = { ...newJobView(info.jobId, run.kind, run.params, status, same?.startedAt ?? now, run.method), steps: same?.steps ?? [] };
    return { ...state, job: info.history.reduce(applyEngineEvent, base) };
  }
  if (same) return same.status === status ? state : { ...state, job: { ...same, status } };
  return { ...state, job: newJobView(info.jobId, run.kind, run.params, status, now, run.method) };
}

function applyJobEnded(state: PanelState, ended: PanelNotificationParams['job/ended'], now: number): PanelState {
  const job = state.job;
  if (!job || job.jobId !== ended.jobId) return state;
  const status = ended.ok ? 'done' : ended.error?.kind === 'cancelled' ? 'cancelled' : 'failed';
  const result = ended.ok && ended.result ? runResultOf(ended.result) : null;
  return {
    ...state,
    job: {
      ...job,
      status,
      endedAt: now,
      error: ended.ok ? null : ended.error ?? { kind: 'internal', message: 'the job failed' },
      result: result ?? job.result,
      before: job.before ?? result?.before ?? null,
      after: job.after ?? result?.after ?? null,
      reportPath: result?.report ?? job.reportPath,
      pruned: ended.ok && ended.result && isDefendResult(ended.result) ? ended.result.pruned ?? null : job.pruned ?? null,
    },
  };
}

function applyInspectResult(state: PanelState, params: PanelNotificationParams['inspect/result']): PanelState {
  const schedule = state.schedule;
  // A stale answer (the user has typed another model since) is ignored.
  if (!schedule || schedule.model !== params.model) return state;
  if (!params.result) {
    return { ...state, schedule: { ...schedule, status: 'error', error: params.error ?? 'could not read the model', layers: [], scanProgress: null } };
  }
  const known = new Set(params.result.layers.map((l) => l.name));
  const edits = Object.fromEntries(Object.entries(schedule.edits).filter(([name]) => known.has(name)));
  return {
    ...state,
    schedule: {
      ...schedule,
      status: 'ready',
      error: null,
      layers: params.result.layers,
      edits,
      classes: params.result.classes,
      params: params.result.params,
      findings: inspectFindings(params.result),
      scanProgress: null,
    },
  };
}

export function isCleanseResult(result: JobResult): result is CleanseResult {
  return 'report' in result && 'before' in result && 'seconds' in result && !('method' in result);
}

export function isDefendResult(result: JobResult): result is DefendResult {
  return 'report' in result && 'method' in result && 'needs' in result;
}

/** A cleanse's or a defense's result in one shape (a defense reports no agreement). */
export function runResultOf(result: JobResult): CleanseResult | null {
  if (isCleanseResult(result)) return result;
  if (isDefendResult(result)) {
    return { type: 'result', model: result.model, report: result.report, before: result.before, after: result.after, agreement: null, seconds: result.seconds };
  }
  return null;
}

/** One engine event folded into the job's view. */
export function applyEngineEvent(job: JobView, event: EngineEvent): JobView {
  switch (event.type) {
    case 'log': {
      const logs = [...job.logs, { level: event.level, message: event.message }];
      return { ...job, logs: logs.length > MAX_LOG_LINES ? logs.slice(-MAX_LOG_LINES) : logs };
    }
    case 'backend':
      return { ...job, backend: event.backend };
    case 'progress': {
      const point = stepPointOf(event);
      return {
        ...job,
        status: job.status === 'queued' ? 'running' : job.status,
        progress: event,
        steps: point ? appendStepPoint(job.steps, point) : job.steps,
      };
    }
    case 'epoch': {
      // Records arrive in order; a repeated epoch number replaces the earlier record.
      const epochs = [...job.epochs.filter((r) => r.epoch !== event.record.epoch), event.record].sort((a, b) => a.epoch - b.epoch);
      return { ...job, epochs };
    }
    case 'metrics':
      return event.which === 'before' ? { ...job, before: event.metrics } : { ...job, after: event.metrics };
    case 'layers':
      return { ...job, layers: event.layers };
    case 'report':
      return {
        ...job,
        reportPath: event.path,
        layers: event.report.layers.length > 0 ? event.report.layers : job.layers,
        epochs: event.report.epochs.length > 0 ? event.report.epochs : job.epochs,
        before: event.report.before ?? job.before,
        after: event.report.after ?? job.after,
        backend: job.backend ?? event.report.inputs.backend,
        findings: findingsOfReport(event.report),
      };
  }
}

/** A finished run rebuilt from its report.json (no per-step curve: reports keep per-epoch figures). */
export function jobViewFromReport(path: string, report: RunRecord, now: number): JobView {
  const method = (report.method?.id ?? 'bcu') as DefenseMethod;
  const job = newJobView(`report:${path}`, report.kind === 'defend' ? 'defend' : 'cleanse', null, 'done', now, method);
  const settings = report.settings;
  return {
    ...job,
    params: {
      model: report.inputs.model,
      data: report.inputs.data ?? '',
      out: report.outputs.model ? dirnameOf(report.outputs.model) : '',
      epochs: typeof settings.epochs === 'number' ? settings.epochs : undefined,
      batch: typeof settings.batchSize === 'number' ? settings.batchSize : undefined,
      lr: typeof settings.lr === 'number' ? settings.lr : undefined,
      seed: typeof settings.seed === 'number' ? settings.seed : undefined,
    },
    backend: report.inputs.backend,
    epochs: report.epochs,
    before: report.before ?? null,
    after: report.after ?? null,
    layers: report.layers,
    reportPath: path,
    findings: findingsOfReport(report),
    result: report.outputs.model
      ? {
          type: 'result',
          model: report.outputs.model,
          report: path,
          before: report.before ?? null,
          after: report.after ?? null,
          agreement: report.epochs.length > 0 ? report.epochs[report.epochs.length - 1].agreement : null,
          seconds: report.timings.totalSeconds ?? report.timings.total ?? 0,
        }
      : null,
    logs: report.warnings.map((message) => ({ level: 'warn' as const, message })),
    endedAt: now,
  };
}

function dirnameOf(filePath: string): string {
  const cut = Math.max(filePath.lastIndexOf('/'), filePath.lastIndexOf('\\'));
  return cut > 0 ? filePath.slice(0, cut) : filePath;
}
