/**
 * The panel's whole state: one plain JSON object, saved with `vscode.setState` after each change
 * so a window reload (or the serializer restoring the panel) brings back the form, the schedule
 * edits, the charts and the last results. Pure: no DOM, no VS Code API.
 */
import type { Failure } from '../shared/failure';
import type { BackendChoice, CleanseParams, CleanseResult, EngineEvent, InspectLayer, InspectResult, JobKind } from '../shared/protocol';
import { DEFENSE_METHODS, type DefenseMethod, type DefenseMethodInfo, type PanelDefaults } from '../shared/panelMessages';
import { settingDefault } from '../shared/settings';
import type { BackendInfo, RunRecord, EpochRecord, LayerDiagnostics, Metrics } from '../shared/report';

/** Bump when the saved shape changes incompatibly: older saved states are then dropped. */
export const PANEL_STATE_VERSION = 1;

/** What the user typed, as typed (validation turns it into CleanseParams). */
export interface FormValues {
  method: DefenseMethod;
  model: string;
  data: string;
  out: string;
  evalData: string;
  trigger: string;
  epochs: string;
  batch: string;
  lr: string;
  seed: string;
  limit: string;
  backend: BackendChoice;
}

export type FormField = keyof FormValues;

/** The editable re-initialization schedule, from an inspect job on the model. */
export interface ScheduleState {
  /** The model path the layers belong to (edits are dropped when the model changes). */
  model: string;
  status: 'loading' | 'ready' | 'error';
  error: string | null;
  layers: InspectLayer[];
  /** Layer name -> ratio text the user typed; layers not here keep the default ratio. */
  edits: Record<string, string>;
  classes: number | null;
  params: number | null;
  /** What an inspect with the user's images found (data quality, suspect class); absent without images. */
  findings?: InspectFindings | null;
  /** True while (or after) the inspect ran on the images, not on the model alone. */
  scanned?: boolean;
  /** The suspect scan's latest progress while the images are checked (class k of K, ETA). */
  scanProgress?: ProgressEvent | null;
}

/** The run record's verdicts beyond the metrics: shown under the results when the engine wrote them. */
export type RunFindings = Pick<RunRecord, 'dataQuality' | 'suspect' | 'transferWatch' | 'reactivation' | 'selection' | 'method'>;

/** An inspect's verdicts on the user's images. */
export type InspectFindings = Pick<InspectResult, 'dataQuality' | 'suspect' | 'suspectScan'>;

export type ProgressEvent = Extract<EngineEvent, { type: 'progress' }>;

/** One point of the per-step curves (x in epochs, fractional). */
export interface StepPoint {
  x: number;
  loss: number | null;
  temperature: number | null;
}

export type JobStatus = 'queued' | 'running' | 'done' | 'failed' | 'cancelled' | 'interrupted';

/** A cleanse run: live while it runs, then its results. Also built from a stored report. */
export interface JobView {
  jobId: string;
  kind: JobKind;
  /** Which defense runs (absent in states saved before there was a choice: BCU). */
  method?: DefenseMethod;
  params: CleanseParams | null;
  status: JobStatus;
  backend: BackendInfo | null;
  progress: ProgressEvent | null;
  epochs: EpochRecord[];
  steps: StepPoint[];
  before: Metrics | null;
  after: Metrics | null;
  layers: LayerDiagnostics[];
  /** A defend job's result is kept in the same shape (agreement null). */
  result: CleanseResult | null;
  reportPath: string | null;
  /** From the run's report.json (absent in states saved before these existed). */
  findings?: RunFindings | null;
  /** Channels a pruning defense (FP, CLP) removed, by layer name. */
  pruned?: Record<string, number[]> | null;
  error: Failure | null;
  /** Recent log lines (warnings stay visible; the Output channel has everything). */
  logs: { level: 'info' | 'warn'; message: string }[];
  /** Date.now() when the panel learned of the job; for the elapsed time. */
  startedAt: number;
  endedAt: number | null;
}

export type SortDirection = 'asc' | 'desc';
export interface SortState<K extends string = string> {
  key: K;
  direction: SortDirection;
}

export interface PanelState {
  version: number;
  form: FormValues;
  /** The host's defaults were copied into the form once; later inits leave the user's values. */
  defaultsApplied: boolean;
  methods: DefenseMethodInfo[];
  backends: BackendChoice[];
  schedule: ScheduleState | null;
  /** The latest cleanse (running or finished). */
  job: JobView | null;
  layerSort: SortState;
  /** The host's panel protocol version when it differs from ours (shown as a banner). */
  protocolMismatch: number | null;
}

export const BCU_METHOD: DefenseMethodInfo = DEFENSE_METHODS.find((m) => m.id === 'bcu')!;

export function initialFormValues(defaults?: PanelDefaults): FormValues {
  return {
    method: 'bcu',
    model: '',
    data: '',
    out: '',
    evalData: '',
    trigger: '',
    // Before the host's defaults arrive: the settings table's.
    epochs: String(defaults ? defaults.epochs : settingDefault('cleanse', 'epochs')),
    batch: String(defaults ? defaults.batch : settingDefault('cleanse', 'batch')),
    lr: String(defaults ? defaults.lr : settingDefault('cleanse', 'lr')),
    seed: String(defaults ? defaults.seed : settingDefault('cleanse', 'seed')),
    limit: defaults && defaults.limit ? String(defaults.limit) : '',
    backend: defaults ? defaults.backend : settingDefault('cleanse', 'backend'),
  };
}

export function initialPanelState(): PanelState {
  return {
    version: PANEL_STATE_VERSION,
    form: initialFormValues(),
    defaultsApplied: false,
    methods: [...DEFENSE_METHODS],
    backends: ['auto', 'tensorflow', 'wasm', 'cpu'],
    schedule: null,
    job: null,
    layerSort: { key: 'depth', direction: 'asc' },
    protocolMismatch: null,
  };
}

/** The state saved by an earlier load of the webview, or a fresh one when absent or outdated. */
export function restorePanelState(saved: unknown): PanelState {
  const candidate = saved as Partial<PanelState> | null | undefined;
  if (!candidate || typeof candidate !== 'object' || candidate.version !== PANEL_STATE_VERSION) return initialPanelState();
  const fresh = initialPanelState();
  return {
    ...fresh,
    ...candidate,
    form: { ...fresh.form, ...(candidate.form ?? {}) },
    protocolMismatch: null,
  } as PanelState;
}

export function newJobView(jobId: string, kind: JobKind, params: CleanseParams | null, status: JobStatus, now: number, method: DefenseMethod = 'bcu'): JobView {
  return {
    jobId,
    kind,
    method,
    params,
    status,
    backend: null,
    progress: null,
    epochs: [],
    steps: [],
    before: null,
    after: null,
    layers: [],
    result: null,
    reportPath: null,
    findings: null,
    error: null,
    logs: [],
    startedAt: now,
    endedAt: null,
  };
}

export function isJobActive(job: JobView | null): boolean {
  return job !== null && (job.status === 'queued' || job.status === 'running');
}
