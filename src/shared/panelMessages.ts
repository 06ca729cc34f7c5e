/**
 * Every message between the cleanse panel (webview) and the extension host, typed.
 * GitLens style: commands go webview -> host (the panel asks), notifications go host -> webview
 * (the host tells). Each method is 'area/verb' and documented with who sends it and why.
 * Bump PANEL_PROTOCOL_VERSION on any incompatible change: the webview announces its version in
 * 'panel/ready' and the host echoes its own in 'state/init'; a mismatch asks the user to reopen.
 */
import type { RunRecord } from './report';
import { DEFENSE_NEEDS, type BackendChoice, type CleanseParams, type DefendParams, type DefenseMethodId, type EngineEvent, type FailureKind, type InspectResult, type JobKind, type JobResult, type JobSpec } from './protocol';
import type { Failure } from './failure';

export const PANEL_PROTOCOL_VERSION = 2;

/** The file inputs the host can pick with a native dialog. */
export type PickField = 'model' | 'data' | 'evalData' | 'trigger';

/** Defenses the panel can start: the protocol's list (`bcu defend --method`), no second copy. */
export type DefenseMethod = DefenseMethodId;

/** What data a defense needs: a badge next to the choice, and how the form's data field reads. */
export type DefenseNeeds = (typeof DEFENSE_NEEDS)[DefenseMethodId];

export interface DefenseMethodInfo {
  id: DefenseMethod;
  label: string;
  /** What data the method needs, shown as a badge next to the choice. */
  needs: DefenseNeeds;
  description: string;
}

/** One line per defense, in the order the panel lists them; `needs` always comes from DEFENSE_NEEDS. */
const METHOD_TEXT: Record<DefenseMethod, { label: string; description: string }> = {
  bcu: {
    label: 'BCU: re-initialize and distill',
    description: 'Copies the model, re-initializes a share of each layer (more in deeper layers) and distills the original into it on unlabeled images.',
  },
  ft: {
    label: 'FT: fine-tune',
    description: 'Trains the model further on clean labeled images; the backdoor fades as the weights move (the standard baseline).',
  },
  fp: {
    label: 'FP: fine-pruning',
    description: 'Prunes the last convolution\'s channels that stay dormant on clean images, then fine-tunes on labeled images (Liu et al., RAID 2018).',
  },
  nad: {
    label: 'NAD: neural attention distillation',
    description: 'Fine-tunes a teacher on labeled images, then distills its attention maps into the model (Li et al., ICLR 2021).',
  },
  clp: {
    label: 'CLP: channel Lipschitz pruning',
    description: 'Prunes the channels whose Lipschitz upper bound stands out, from the weights alone: no data needed (Zheng et al., ECCV 2022).',
  },
};

export const DEFENSE_METHODS: readonly DefenseMethodInfo[] = (Object.keys(METHOD_TEXT) as DefenseMethod[]).map((id) => ({
  id,
  needs: DEFENSE_NEEDS[id],
  ...METHOD_TEXT[id],
}));

/** Jobs the panel follows as a run (progress, curves, results): a cleanse, or another defense. */
export function isPanelRunKind(kind: JobKind): kind is 'cleanse' | 'defend' {
  return kind === 'cleanse' || kind === 'defend';
}

/** What Start sends: a job the host completes (paths made absolute, default output folder). */
export type PanelJobRequest = { kind: 'cleanse'; params: CleanseParams } | { kind: 'defend'; params: DefendParams };

/** Settings the form starts from (mirrors the extension's configuration). */
export interface PanelDefaults {
  epochs: number;
  batch: number;
  lr: number;
  seed: number;
  backend: BackendChoice;
  /** Images used for distillation (0 or null: all). */
  limit: number | null;
}

/** A job as the panel sees it: which one, what it runs. */
export interface PanelJobInfo {
  jobId: string;
  spec: JobSpec;
  /** True while it waits behind another job (the runner runs one at a time); sent again on start. */
  queued: boolean;
  /**
   * Events the job sent before this panel could hear them (panel opened or reloaded mid-run):
   * every non-progress event and the latest progress. The webview rebuilds the job from them.
   */
  history?: EngineEvent[];
}

/** A failed job as the panel shows it. */
export type PanelJobError = Failure;

// ---- webview -> host: commands ----
export interface PanelCommandParams {
  /** Webview: script loaded (fresh or restored); host answers 'state/init'. */
  'panel/ready': { protocol: number };
  /** Webview: user clicked "Browse" for the model; host shows an open dialog, answers 'picked'. */
  'pick/model': { current?: string };
  /** Webview: "Browse" for the unlabeled data folder (or IDX file). */
  'pick/data': { current?: string };
  /** Webview: "Browse" for the optional labeled evaluation folder. */
  'pick/evalData': { current?: string };
  /** Webview: "Browse" for the optional trigger spec (JSON). */
  'pick/trigger': { current?: string };
  /**
   * Webview: user clicked Start with a validated form: a cleanse job ('bcu'), or a defend job with
   * the same paths and settings. `out` may be '' (host picks a default), `data` '' for a data-free
   * method; the host completes it with jobSpecFrom, as the palette commands do.
   */
  'job/start': { spec: PanelJobRequest };
  /** Webview: user clicked Cancel on the running job. */
  'job/cancel': { jobId: string };
  /** Webview: "Open cleansed model" after a finished run. */
  'open/model': { path: string };
  /** Webview: "Open report" after a finished run. */
  'open/report': { path: string };
  /**
   * Webview: the model path changed; host runs an inspect job for the schedule table. With `data`
   * (the user asked to check the images) the inspect also judges the data and scans for a trigger,
   * on at most `limit` images (the form's image limit) when given.
   */
  inspect: { model: string; data?: string; limit?: number };
  /** Webview: Cancel while "Check the images" runs; host cancels that inspect and sends nothing back for it. */
  'inspect/cancel': { model: string };
  /**
   * Webview: show a stored run (a report.json, or the output folder holding one), e.g. a run that
   * ended while the panel was closed. Host answers 'report/loaded', or nothing when there is none.
   */
  'report/load': { path: string };
}

// ---- host -> webview: notifications ----
export interface PanelNotificationParams {
  /** Host: answer to 'panel/ready': defaults, methods, and the job running now (if any). */
  'state/init': {
    protocol: number;
    defaults: PanelDefaults;
    methods: DefenseMethodInfo[];
    backends: BackendChoice[];
    job: PanelJobInfo | null;
  };
  /** Host: the result of a 'pick/*' dialog; path undefined when the user dismissed it. */
  picked: { field: PickField; path: string | undefined };
  /** Host: a job was accepted (queued: true) or started (from this panel or from a command elsewhere). */
  'job/started': PanelJobInfo;
  /** Host: an engine event of the running job, forwarded as is. */
  'job/event': { jobId: string; event: EngineEvent };
  /** Host: the job finished: its result, or why it failed (kind 'cancelled' after Cancel). */
  'job/ended': { jobId: string; ok: boolean; result?: JobResult; error?: PanelJobError };
  /** Host: answer to 'inspect': the layers and default ratios, or why the model can't be read. */
  'inspect/result': { model: string; result?: InspectResult; error?: string };
  /** Host: where the suspect scan of an inspect with images is (class k of K, round, ETA). */
  'inspect/progress': { model: string; progress: Extract<EngineEvent, { type: 'progress' }> };
  /** Host: fill the form's paths (after "Try on a Demo Model"); the webview then inspects the model. */
  'form/prefill': { model: string; data: string; evalData?: string; trigger?: string };
  /** Host: a stored run record to show (after a run, or when the user opens a report in the panel). */
  'report/loaded': { path: string; report: RunRecord };
}

export type PanelCommandMethod = keyof PanelCommandParams;
export type PanelNotificationMethod = keyof PanelNotificationParams;

export type PanelCommand = { [M in PanelCommandMethod]: { method: M; params: PanelCommandParams[M] } }[PanelCommandMethod];
export type PanelNotification = {
  [M in PanelNotificationMethod]: { method: M; params: PanelNotificationParams[M] };
}[PanelNotificationMethod];

/** One handler per method; the compiler insists every method is handled. */
export type PanelCommandHandlers = { [M in PanelCommandMethod]: (params: PanelCommandParams[M]) => unknown };
export type PanelNotificationHandlers = {
  [M in PanelNotificationMethod]: (params: PanelNotificationParams[M]) => unknown;
};

// Runtime lists, typed so that adding a method to the maps without listing it here fails to compile.
const COMMAND_METHODS: Record<PanelCommandMethod, true> = {
  'panel/ready': true,
  'pick/model': true,
  'pick/data': true,
  'pick/evalData': true,
  'pick/trigger': true,
  'job/start': true,
  'job/cancel': true,
  'open/model': true,
  'open/report': true,
  inspect: true,
  'inspect/cancel': true,
  'report/load': true,
};
const NOTIFICATION_METHODS: Record<PanelNotificationMethod, true> = {
  'state/init': true,
  picked: true,
  'job/started': true,
  'job/event': true,
  'job/ended': true,
  'inspect/result': true,
  'inspect/progress': true,
  'form/prefill': true,
  'report/loaded': true,
};

function hasMethodAndParams(value: unknown): value is { method: string; params: object } {
  const m = value as { method?: unknown; params?: unknown } | null;
  return typeof m === 'object' && m !== null && typeof m.method === 'string' && typeof m.params === 'object' && m.params !== null;
}

/** Guards what arrives from the webview (postMessage is untyped). */
export function isPanelCommand(value: unknown): value is PanelCommand {
  return hasMethodAndParams(value) && Object.prototype.hasOwnProperty.call(COMMAND_METHODS, value.method);
}

/** Guards what arrives from the host (the webview also sees messages from VS Code itself). */
export function isPanelNotification(value: unknown): value is PanelNotification {
  return hasMethodAndParams(value) && Object.prototype.hasOwnProperty.call(NOTIFICATION_METHODS, value.method);
}

/** Narrows a command (or notification) to one method: `if (is(msg, 'job/start')) msg.params.method`. */
export function is<M extends PanelCommandMethod>(msg: PanelCommand, method: M): msg is Extract<PanelCommand, { method: M }>;
export function is<M extends PanelNotificationMethod>(
  msg: PanelNotification,
  method: M,
): msg is Extract<PanelNotification, { method: M }>;
export function is(msg: PanelCommand | PanelNotification, method: string): boolean {
  return msg.method === method;
}

/** Calls the handler for the message's method, with its params typed. */
export function dispatchCommand(msg: PanelCommand, handlers: PanelCommandHandlers): unknown {
  return (handlers[msg.method] as (params: unknown) => unknown)(msg.params);
}

export function dispatchNotification(msg: PanelNotification, handlers: PanelNotificationHandlers): unknown {
  return (handlers[msg.method] as (params: unknown) => unknown)(msg.params);
}

/** Builds a well-typed message: `command('job/cancel', { jobId })`. */
export function command<M extends PanelCommandMethod>(method: M, params: PanelCommandParams[M]): PanelCommand {
  return { method, params } as PanelCommand;
}

export function notification<M extends PanelNotificationMethod>(
  method: M,
  params: PanelNotificationParams[M],
): PanelNotification {
  return { method, params } as PanelNotification;
}

/** The pick command for a field ('model' -> 'pick/model'). */
export function pickCommandFor(field: PickField): Extract<PanelCommandMethod, `pick/${string}`> {
  return `pick/${field}`;
}
