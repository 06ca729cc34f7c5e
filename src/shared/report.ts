/**
 * The run record `<out>/report.json`: the one source of truth the extension annotates from.
 * The host reads it without importing the engine (no tensors there), so the type lives here.
 * Bump REPORT_SCHEMA_VERSION on any incompatible change; readers refuse newer majors.
 */
import type { BackendName } from './backends';

export type { BackendName } from './backends';

export const REPORT_SCHEMA_VERSION = 1;

/** What data a method needs: unlabeled images (BCU), labeled images (FT, FP, NAD), or none (CLP). */
export type DataNeeds = 'unlabeled' | 'labeled' | 'data-free';

export interface BackendInfo {
  name: BackendName;
  /** Threads the backend computes with (WASM: its pthread pool; tensorflow: intra-op; cpu: 1). */
  threads: number;
  /** Why this backend runs, e.g. "tfjs-node not installed (Cannot find module ...); using wasm". */
  reason: string;
}

/** Classification figures, fractions 0..1, BackdoorBench conventions (see README, Metrics). */
export interface Metrics {
  /** Top-1 accuracy on clean labeled images. */
  acc: number | null;
  /** Share of triggered non-target images predicted as the target. */
  asr: number | null;
  /** Share of triggered non-target images predicted as their true class. */
  ra: number | null;
  /** Clean labeled images scored. */
  n: number;
  /** Triggered (non-target) images scored. */
  nTriggered: number;
}

export interface LayerDiagnostics extends LayerFigures {
  name: string;
  /** Keras class name, e.g. Conv2D, Dense, BatchNormalization. */
  kind: string;
  params: number;
  /** Re-initialization probability applied (0 for layers left alone). */
  reinitRatio: number;
  /** Share of the layer's weight elements actually replaced. */
  reinitFraction: number;
  /** ||W_student - W_teacher|| / ||W_teacher|| over the layer's trainable weights, after the cleanse. */
  weightDrift: number | null;
  /** Relative change of the layer's outputs between teacher and student on the same images. */
  outputChange?: number | null;
}

/**
 * A layer's diagnostics (docs/diagnostics.md; explanations in diagnosticsText.ts), shared by the
 * run record's layers and `bcu inspect`'s. Null where a figure does not apply or was not measured.
 */
export interface LayerFigures {
  /** Largest channel Lipschitz upper bound and its z-score among the layer's channels (CLP). */
  lipschitzMax?: number | null;
  lipschitzZ?: number | null;
  /** BatchNorm layers: mean over channels of the symmetric KL between stored and observed statistics. */
  bnDivergence?: number | null;
  /** Per-channel activation statistics of the layer's output on the user's images. */
  activationMean?: number | null;
  activationMax?: number | null;
  /** Share of output channels that never exceed 1e-6 on the user's images (dead ReLU channels). */
  deadShare?: number | null;
  /** Human-readable warning when a diagnostic rule flags the layer, else null. */
  warning?: string | null;
}

/** Whether the user's unlabeled images fit the model, judged from the teacher's predictions alone. */
export interface DataQuality {
  images: number;
  /** Mean top-1 softmax probability of the teacher. */
  meanConfidence: number;
  /** Mean prediction entropy divided by log(classes): 0 = certain, 1 = uniform. */
  meanEntropy: number;
  /** Share of the images the teacher assigns to each class. */
  classShares: number[];
  /** Largest class share (1/classes when balanced). */
  topClassShare: number;
  verdict: 'ok' | 'warn';
  /** Why the verdict is 'warn' (empty when ok), one plain sentence each. */
  reasons: string[];
}

/** Neural-Cleanse-style scan: the smallest mask+pattern that sends the user's images to each class. */
/**
 * A suspected backdoor target. evidence 'warp': no mask was small enough (under 0.4 of the
 * median's), but a one-pixel universal warp sends the images to the class (WaNet-like); absent:
 * the mask rule named it.
 */
export interface SuspectClass {
  class: number;
  anomalyIndex: number;
  evidence?: 'warp';
}

/** The scan's warp check on one class (src/engine/suspect/warpTrigger.ts). */
export interface WarpCheck {
  class: number;
  /** Share of the images (not already in the class) that the fitted warp sends to it. */
  flipRate: number;
  /** Mean displacement of the fitted warp, in pixels. */
  meanShiftPx: number;
}

export interface SuspectScan {
  perClass: { class: number; maskL1: number; flipRate: number; anomalyIndex: number }[];
  /** The class whose mask is abnormally small (anomaly index > 2 on log mask sizes a mask under 0.4 of the median that flips 95 % of the images: isSuspect), or, when none is, one of the three smallest-mask classes that a one-pixel warp flips the images to (isWarpSuspect); or null. */
  suspect: SuspectClass | null;
  /** The warp check on the three smallest-mask classes when no mask was small enough; with --unlearn-warp, the warp fitted toward the suspect the mask rule named. */
  warpChecks?: WarpCheck[];
  /** PNG of the recovered trigger (mask x pattern) for the suspect (or the smallest-mask class), relative to report.json. */
  triggerImage?: string | null;
  /** The same class's mask (grey, white = stamped), its pattern, and one of the user's images with the trigger stamped on: native-size PNGs (shown upscaled, pixelated), data: URIs or names relative to report.json. */
  maskImage?: string | null;
  patternImage?: string | null;
  stampedImage?: string | null;
  /** Cleanse only: which part of the suspect's recovered mask was unlearned. */
  focus?: TriggerFocus;
  /** Cleanse with --unlearn-blend: the suspect's smallest whole-image blend x' = (1 - alpha) x + alpha p that flips the images, and its flip rate. */
  blend?: { alpha: number; flipRate: number };
}

/** Where the unlearned trigger was localized (src/engine/suspect/triggerFocus.ts). */
export interface TriggerFocus {
  /** The square window of the mask that was kept, in pixels; null: the whole mask was unlearned. */
  window: { top: number; left: number; size: number } | null;
  /** Flip rate of what was unlearned, and of the whole recovered mask, on images not already in the suspect class. */
  flipRate: number;
  fullFlipRate: number;
}

/** Backdoor-transfer watch: does the student's prediction mass concentrate on one class more than the teacher's? */
export interface TransferWatch {
  /** Per epoch: the student's and the teacher's largest class share on the same images, and the class. */
  epochs: { epoch: number; studentTopShare: number; teacherTopShare: number; studentTopClass: number }[];
  /** Warning text when the rule fired, else null. */
  warning: string | null;
}

/** Re-activation probe (evaluation mode, trigger known): ASR after k fine-tuning steps on triggered images. */
export interface ReactivationProbe {
  steps: number[];
  attackedAsr: number[];
  cleansedAsr: number[];
  images: number;
}

export interface EpochRecord {
  epoch: number;
  temperature: number;
  lr: number;
  loss: number;
  /** Teacher-student top-1 agreement on the unlabeled images seen this epoch (no labels). */
  agreement: number;
  /** Share of the student's predictions falling on its most frequent class. */
  topClassShare: number;
  /** Teacher-student top-1 agreement on a fixed set of the unlabeled images, inference mode (label-free selection). */
  probeAgreement?: number | null;
  seconds: number;
  imagesPerSecond: number;
  /** Labeled evaluation after the epoch, only when evaluation data was given. */
  eval?: Metrics | null;
}

export interface CleanseSettings {
  epochs: number;
  batchSize: number;
  lr: number;
  momentum: number;
  weightDecay: number;
  lrSchedule: 'cosine' | 'constant';
  temperatureStart: number;
  temperatureEnd: number;
  temperatureSquared: boolean;
  ratios: Record<string, number>;
  ratioSchedule: string;
  augment: { cropPadding: number; flip: boolean };
  limit: number | null;
  seed: number;
  [extra: string]: unknown;
}

/** Which job wrote a run record. */
export type RunKind = 'cleanse' | 'evaluate' | 'attack' | 'inspect' | 'defend';

/**
 * A run record, whichever job wrote it; `kind` tells which, and which optional parts it has:
 * cleanse (epochs, layers, selection, suspect, transfer watch), defend (`method`, and the
 * cleanse's parts when the method is bcu), evaluate (`before` only), attack (`before`: the
 * attacked model's figures).
 */
export interface RunRecord {
  schemaVersion: number;
  kind: RunKind;
  tool: { name: 'backdoor-cleanse'; version: string };
  createdAt: string;
  inputs: {
    model: string;
    modelSha256: string;
    data: string | null;
    images: number;
    skippedImages: number;
    backend: BackendInfo;
    evalData?: string | null;
    trigger?: unknown;
    /** Where `settings.scaling` came from: --scaling, the .onnx model's metadata_props, or the default. */
    scalingFrom?: 'flag' | 'model metadata' | 'default';
  };
  /** `onnx`: the cleansed model.onnx, written when the model was imported from ONNX. */
  outputs: { model: string | null; report: string; onnx?: string };
  settings: Partial<CleanseSettings> & Record<string, unknown>;
  epochs: EpochRecord[];
  /** Which epoch's student was kept and why (label-free rule). */
  selection?: { epoch: number; rule: string } | null;
  layers: LayerDiagnostics[];
  before?: Metrics | null;
  after?: Metrics | null;
  /** Teacher-student top-1 agreement on the unlabeled images after the cleanse (no labels needed). */
  agreement?: number | null;
  warnings: string[];
  timings: Record<string, number>;
  /** `defend` runs: which defense ran and what data it needs. */
  method?: { id: string; needs: DataNeeds } | null;
  dataQuality?: DataQuality | null;
  suspect?: SuspectScan | null;
  transferWatch?: TransferWatch | null;
  reactivation?: ReactivationProbe | null;
}
