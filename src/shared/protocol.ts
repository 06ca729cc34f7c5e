/**
 * Every message between the extension host, the worker (child process) and the engine's event
 * stream, typed. Methods are strings 'area/verb' (as in vscode-eslint); each carries a comment on
 * who sends it and why. Panel (webview) messages live in panelMessages.ts beside this file.
 * Bump PROTOCOL_VERSION on any incompatible change: host and worker refuse a mismatch.
 */
import type { SettingValues } from './settings';
import type { BackendInfo, BackendName, DataNeeds, RunRecord, DataQuality, EpochRecord, LayerDiagnostics, LayerFigures, Metrics, SuspectClass, SuspectScan } from './report';
import type { BackendChoice } from './backends';
import type { ReportedFailure } from './failure';

export const PROTOCOL_VERSION = 1;

export type { BackendChoice } from './backends';
export type { FailureKind } from './failure';

/**
 * `bcu cleanse` / the panel's Start: distill the model into a partly re-initialized copy. Every
 * setting is a row of SETTINGS (settings.ts), under the same name as there; absent: its default.
 * `ratios`: per-depth list "0.01,0.03,..." or an object {layerName|group: ratio}. Labeled
 * `evalData` and a `trigger` spec give before/after ACC/ASR/RA (never used to train).
 */
export interface CleanseParams extends SettingValues<'cleanse'> {
  model: string;
  data: string;
  out: string;
}

/** `bcu evaluate`: ACC on labeled data, ASR/RA when a trigger spec is given. */
export interface EvaluateParams extends SettingValues<'evaluate'> {
  model: string;
  data: string;
  /** Write the run record into a new folder inside this one (the extension's storage); none when absent. */
  recordsDir?: string;
}

/**
 * `bcu inspect`: the model's layers and the default re-initialization schedule; with `data`
 * (unlabeled images) also BatchNorm divergence, activation statistics, data quality and the
 * suspect scan (`noSuspect` skips the scan, the slowest part).
 */
export interface InspectParams extends SettingValues<'inspect'> {
  model: string;
}

/** Defenses `bcu defend` runs; what each needs is in DEFENSE_NEEDS. */
export type DefenseMethodId = 'bcu' | 'ft' | 'fp' | 'nad' | 'clp';

export const DEFENSE_NEEDS: Record<DefenseMethodId, DataNeeds> = {
  bcu: 'unlabeled',
  ft: 'labeled',
  fp: 'labeled',
  nad: 'labeled',
  clp: 'data-free',
};

/**
 * `bcu defend --method ...`: one defense. `data` is the defender's images: labeled (class folders
 * or IDX with labels) for ft/fp/nad, unlabeled for bcu, unused by clp. 'bcu' takes the cleanse
 * settings bcu defend lists (`bcu cleanse` has every one).
 */
export interface DefendParams extends SettingValues<'defend'> {
  method: DefenseMethodId;
  model: string;
  out: string;
}

export interface DefendResult {
  type: 'result';
  method: DefenseMethodId;
  needs: DataNeeds;
  model: string;
  report: string;
  before: Metrics | null;
  after: Metrics | null;
  /** Channels pruned (fp, clp), by layer name. */
  pruned?: Record<string, number[]>;
  seconds: number;
}

/** The editor's "Try on a Demo Model": a backdoored model and image folders in a new folder `out`. */
export interface DemoSetupParams {
  out: string;
  /** Smaller or larger than the defaults (engine/demoSetup.ts), e.g. for tests. */
  sizes?: { train?: number; attackEpochs?: number; unlabeled?: number; test?: number };
  backend?: BackendChoice;
}

export interface DemoSetupResult {
  type: 'result';
  folder: string;
  /** The backdoored model.json, the unlabeled images folder, the labeled folder and the trigger spec: the panel's fields. */
  model: string;
  data: string;
  evalData: string;
  trigger: string;
  acc: number | null;
  asr: number | null;
  seconds: number;
}

export type JobSpec =
  | { kind: 'cleanse'; params: CleanseParams }
  | { kind: 'evaluate'; params: EvaluateParams }
  | { kind: 'inspect'; params: InspectParams }
  | { kind: 'defend'; params: DefendParams }
  | { kind: 'demo'; params: DemoSetupParams };

export type JobKind = JobSpec['kind'];

/** A layer as `bcu inspect` lists it; the data-based figures only with --data. */
export interface InspectLayer extends LayerFigures {
  name: string;
  kind: string;
  params: number;
  /** Depth group the default schedule assigns (e.g. "stem", "stage1", "classifier"). */
  group: string;
  /** Default re-initialization ratio for this layer (0: never re-initialized, e.g. BatchNorm). */
  ratio: number;
  outputShape: (number | null)[];
}

export interface InspectResult {
  type: 'result';
  model: string;
  inputShape: (number | null)[];
  classes: number;
  params: number;
  layers: InspectLayer[];
  /** With --data: whether the images fit the model. */
  dataQuality?: DataQuality | null;
  /** With --data: the suspected target class (null: none stands out, or the scan was skipped). */
  suspect?: SuspectClass | null;
  /** With --data: the whole scan. */
  suspectScan?: SuspectScan | null;
}

export interface EvaluateResult extends Metrics {
  type: 'result';
  /** The run record's path, when the job was asked to write one (EvaluateParams.recordsDir). */
  report?: string;
}

export interface CleanseResult {
  type: 'result';
  model: string;
  /** The cleansed model.onnx, when the input model was an .onnx file. */
  onnx?: string;
  report: string;
  before: Metrics | null;
  after: Metrics | null;
  agreement: number | null;
  seconds: number;
}

export type JobResult = CleanseResult | EvaluateResult | InspectResult | DefendResult | DemoSetupResult;

/** What the engine streams while a job runs (CLI prints them with --json; worker forwards them). */
export type EngineEvent =
  | { type: 'log'; level: 'info' | 'warn'; message: string }
  | { type: 'backend'; backend: BackendInfo }
  | {
      type: 'progress';
      /** 'scan': the suspect scan, fitting a trigger for class `epoch` of `epochs`, round `step` of `steps`. */
      phase: 'load' | 'evaluate' | 'distill' | 'train' | 'save' | 'scan';
      epoch: number;
      epochs: number;
      step: number;
      steps: number;
      imagesPerSecond: number | null;
      etaSeconds: number | null;
      loss?: number | null;
      temperature?: number | null;
    }
  | { type: 'epoch'; record: EpochRecord }
  | { type: 'metrics'; which: 'before' | 'after'; metrics: Metrics }
  | { type: 'layers'; layers: LayerDiagnostics[] }
  | { type: 'report'; path: string; report: RunRecord };

export type EngineEventSink = (event: EngineEvent) => void;

// ---- host -> worker ----
/** Host asks the worker to run one job (one at a time per worker). */
export interface JobStartMessage { method: 'job/start'; protocol: number; jobId: string; job: JobSpec }
/** Host asks the worker to stop the running job; the worker answers job/failed kind 'cancelled'. */
export interface JobCancelMessage { method: 'job/cancel'; jobId: string }
export type HostToWorker = JobStartMessage | JobCancelMessage;

// ---- worker -> host ----
/** Worker is up and speaks this protocol version. */
export interface WorkerReadyMessage { method: 'worker/ready'; protocol: number; pid: number }
/** An engine event of the running job. */
export interface JobEventMessage { method: 'job/event'; jobId: string; event: EngineEvent }
/** The job finished; its result. */
export interface JobDoneMessage { method: 'job/done'; jobId: string; result: JobResult }
/** The job failed; kind tells the host how to present it. */
export interface JobFailedMessage {
  method: 'job/failed';
  jobId: string;
  error: ReportedFailure;
}
export type WorkerToHost = WorkerReadyMessage | JobEventMessage | JobDoneMessage | JobFailedMessage;

export function isWorkerToHost(value: unknown): value is WorkerToHost {
  const m = value as { method?: unknown } | null;
  return (
    typeof m === 'object' && m !== null &&
    (m.method === 'worker/ready' || m.method === 'job/event' || m.method === 'job/done' || m.method === 'job/failed')
  );
}

export function isHostToWorker(value: unknown): value is HostToWorker {
  const m = value as { method?: unknown } | null;
  return typeof m === 'object' && m !== null && (m.method === 'job/start' || m.method === 'job/cancel');
}
