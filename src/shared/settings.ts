/**
 * Every setting a job takes, in one table: its `bcu` flag, its key (the same name in the job's
 * params, the engine's settings and the VS Code configuration mirror), type, default, range, help,
 * and which jobs use it. The CLI parser and `--help` (src/cli), `resolveSettings` (src/engine),
 * the extension's defaults (src/extension/config.ts) and the panel's form checks
 * (src/webview/validation.ts) all read it; a unit test holds package.json's
 * `contributes.configuration` to it. Change a default or a range here and nowhere else.
 */
import { BACKEND_CHOICES } from './backends';
import { DEFENSE_NEEDS } from './protocol';

export const JOBS = ['cleanse', 'evaluate', 'attack', 'inspect', 'defend', 'demo'] as const;
export type Job = (typeof JOBS)[number];

/** 'path': a file or folder; 'text': free text parsed by the engine; 'ratios': text, or an object {layer|group: ratio}. */
export type SettingType = 'path' | 'text' | 'ratios' | 'int' | 'number' | 'boolean' | 'choice';

export interface SettingRow {
  /** The CLI flag, without `--`. */
  readonly flag: string;
  /** The name in params, settings and (with `config`) the VS Code configuration. */
  readonly key: string;
  readonly type: SettingType;
  readonly jobs: readonly Job[];
  /** What the engine uses when the setting is not given (absent: none, e.g. all images). */
  readonly default?: number | string | boolean;
  /** Inclusive bounds (int, number). */
  readonly min?: number;
  readonly max?: number;
  /** Exclusive lower bound (learning rates must be above 0). */
  readonly above?: number;
  readonly choices?: readonly string[];
  /** Jobs that cannot run without it. */
  readonly required?: readonly Job[];
  readonly help: string;
  /** Help that differs for one job (the same flag reads differently under `bcu defend`). */
  readonly helpFor?: Partial<Record<Job, string>>;
  /** The VS Code setting `backdoorCleanse.<config>` that gives it from the extension, when there is one. */
  readonly config?: string;
}

/** The seed feeds a 32-bit generator (src/engine/random.ts): larger values would repeat smaller ones. */
export const MAX_SEED = 2 ** 32 - 1;

const RUNS = ['cleanse', 'defend'] as const;

export const SETTINGS = [
  // ---- inputs and outputs ----
  {
    flag: 'method', key: 'method', type: 'choice', jobs: ['defend'], required: ['defend'], choices: Object.keys(DEFENSE_NEEDS) as readonly (keyof typeof DEFENSE_NEEDS)[],
    help: 'bcu (unlabeled data) | ft | fp | nad (labeled data) | clp (data-free)',
  },
  {
    flag: 'model', key: 'model', type: 'path', jobs: ['cleanse', 'evaluate', 'inspect', 'defend'], required: ['cleanse', 'evaluate', 'inspect', 'defend'],
    help: 'the suspicious model.json (TF.js LayersModel)', helpFor: { evaluate: 'model.json', inspect: 'model.json' },
  },
  {
    flag: 'data', key: 'data', type: 'path', jobs: ['cleanse', 'evaluate', 'attack', 'inspect', 'defend'], required: ['cleanse', 'evaluate', 'attack'],
    help: 'unlabeled images: folder of PNG/JPEG (recursive) or IDX file',
    helpFor: {
      evaluate: 'labeled images: class subfolders, or IDX with its labels file',
      attack: 'labeled training images (class subfolders, or IDX)',
      inspect: 'unlabeled images: adds BatchNorm divergence, activation statistics, data quality and the suspect scan',
      defend: 'defender images: labeled (class subfolders or IDX with labels) for ft/fp/nad, unlabeled for bcu; unused by clp',
    },
  },
  {
    flag: 'trigger', key: 'trigger', type: 'path', jobs: ['cleanse', 'evaluate', 'attack', 'defend'], required: ['attack'],
    help: 'trigger spec JSON for before/after ASR and RA (with --eval-data)', helpFor: { evaluate: 'trigger spec JSON', attack: 'trigger spec JSON' },
  },
  {
    flag: 'out', key: 'out', type: 'path', jobs: ['cleanse', 'attack', 'defend', 'demo'], required: ['cleanse', 'attack', 'defend'],
    help: 'new folder for the cleansed model and report.json',
    helpFor: {
      attack: 'new folder for the backdoored model',
      defend: 'new folder for the defended model and report.json',
      demo: 'folder for the demo models (default: a new temporary folder)',
    },
  },
  {
    flag: 'force', key: 'force', type: 'boolean', jobs: ['cleanse', 'attack', 'defend'],
    help: 'replace a non-empty --out (only after success)', helpFor: { attack: 'replace a non-empty --out' },
  },
  {
    flag: 'eval-data', key: 'evalData', type: 'path', jobs: ['cleanse', 'attack', 'defend'],
    help: 'labeled images for before/after ACC (never used to train)',
    helpFor: { attack: 'labeled test images: ACC, and ASR/RA of the trained backdoor', defend: 'labeled images for before/after ACC (never used to defend)' },
  },
  {
    flag: 'eval-limit', key: 'evalLimit', type: 'int', jobs: ['cleanse', 'attack', 'defend'], min: 0,
    help: 'use at most N labeled evaluation images (0: all)',
  },
  { flag: 'eval-each-epoch', key: 'evalEachEpoch', type: 'boolean', jobs: ['cleanse'], default: false, help: 'evaluate after every epoch (slower; for studies)' },
  {
    flag: 'limit', key: 'limit', type: 'int', jobs: ['cleanse', 'evaluate', 'attack', 'defend'], min: 0, config: 'limit',
    help: 'use at most N images (0: all)', helpFor: { defend: 'use at most N images of --data (0: all)' },
  },
  { flag: 'limit', key: 'limit', type: 'int', jobs: ['inspect'], min: 0, default: 2000, help: 'use at most N images for the data-based figures' },
  {
    flag: 'skip', key: 'skip', type: 'int', jobs: ['cleanse', 'evaluate', 'attack', 'defend'], min: 0,
    help: 'skip the first N images', helpFor: { attack: 'skip the first N images (e.g. the held-out unlabeled pool)', defend: 'skip the first N images of --data' },
  },
  { flag: 'no-suspect', key: 'noSuspect', type: 'boolean', jobs: ['inspect'], help: 'skip the Neural-Cleanse-style suspect-class scan (the slow part)' },
  { flag: 'quick', key: 'quick', type: 'boolean', jobs: ['demo'], help: 'a smaller, faster demo (CI smoke)' },
  {
    flag: 'backend', key: 'backend', type: 'choice', jobs: JOBS, choices: BACKEND_CHOICES, default: 'auto', config: 'backend',
    help: 'tfjs backend; auto: tfjs-node, else WASM, else CPU',
  },

  // ---- training ----
  {
    flag: 'preset', key: 'preset', type: 'choice', jobs: RUNS, choices: ['default', 'reference'], default: 'default',
    help: 'reference: luluppang/BCU\'s settings (ratios up to 0.27, 100 epochs, batch 256)',
    helpFor: { defend: 'bcu: as bcu cleanse --preset (`bcu cleanse` has every option)' },
  },
  {
    flag: 'epochs', key: 'epochs', type: 'int', jobs: RUNS, min: 1, max: 10_000, default: 10, config: 'epochs',
    help: 'distillation epochs', helpFor: { defend: 'training epochs (NAD: student epochs)' },
  },
  // 6: with 4, the ResNet-8 on Fashion-MNIST reached 89.72 % clean accuracy (train accuracy still rising).
  { flag: 'epochs', key: 'epochs', type: 'int', jobs: ['attack'], min: 1, max: 10_000, default: 6, help: 'training epochs' },
  { flag: 'batch', key: 'batch', type: 'int', jobs: ['cleanse', 'attack', 'defend'], min: 1, max: 65_536, default: 128, config: 'batch', help: 'batch size' },
  {
    flag: 'lr', key: 'lr', type: 'number', jobs: RUNS, above: 0, default: 0.01, config: 'learningRate',
    help: 'learning rate, cosine-decayed', helpFor: { defend: 'learning rate, SGD momentum 0.9, weight decay 5e-4, cosine' },
  },
  { flag: 'lr', key: 'lr', type: 'number', jobs: ['attack'], above: 0, default: 0.05, help: 'learning rate, SGD momentum 0.9, cosine' },
  { flag: 'lr-schedule', key: 'lrSchedule', type: 'choice', jobs: ['cleanse'], choices: ['cosine', 'constant'], default: 'cosine', help: 'learning-rate schedule' },
  {
    flag: 'seed', key: 'seed', type: 'int', jobs: ['cleanse', 'attack', 'defend'], min: 0, max: MAX_SEED, default: 0, config: 'seed',
    help: 'random seed (masks, order, augmentation)',
  },
  {
    flag: 'micro-batch', key: 'microBatch', type: 'int', jobs: ['cleanse'], min: 1, max: 65_536,
    help: 'largest slice pushed through at once (gradients accumulate; default: sized to the model)',
  },
  {
    flag: 'scaling', key: 'scaling', type: 'text', jobs: [...RUNS, 'evaluate'], default: 'unit',
    help: 'input scaling: unit (x/255) | symmetric | raw | "mean=..;std=.."; an .onnx model\'s metadata_props "scaling" when not given',
  },

  // ---- BCU: which weights are re-initialized ----
  {
    flag: 'ratios', key: 'ratios', type: 'ratios', jobs: RUNS,
    help: 're-initialization ratios per depth group "0.01,0.03,..." or JSON {"stage3":0.2,"conv2":0.5}',
    helpFor: { defend: 'bcu: re-initialization ratios, as bcu cleanse --ratios' },
  },
  {
    flag: 'ratio-deepest', key: 'ratioDeepest', type: 'number', jobs: RUNS, min: 0, max: 1, default: 0.27,
    help: 'depth-schedule ratio of the deepest stage (the reference\'s)', helpFor: { defend: 'bcu: depth-schedule ratio of the deepest stage' },
  },
  { flag: 'ratio-factor', key: 'ratioFactor', type: 'number', jobs: ['cleanse'], min: 1, max: 100, default: 3, help: 'depth-schedule growth per stage' },
  { flag: 'ratio-stem', key: 'ratioStem', type: 'number', jobs: ['cleanse'], min: 0, max: 1, default: 0.01, help: 'depth-schedule ratio of the first layer' },
  { flag: 'ratio-classifier', key: 'ratioClassifier', type: 'number', jobs: ['cleanse'], min: 0, max: 1, default: 0.1, help: 'depth-schedule ratio of the output layer' },
  {
    flag: 'lipschitz-reinit', key: 'lipschitzU', type: 'number', jobs: ['cleanse'], min: 0, max: 100, default: 0,
    help: 'also re-initialize conv channels with Lipschitz bound > mean + u*std (0: off)',
  },
  {
    flag: 'reinit-aimed', key: 'reinitAimed', type: 'number', jobs: ['cleanse'], min: 0, max: 1, default: 0.25,
    help: "for a global recovered trigger (no window carries it), also re-initialize the channels it moves most: this share in the deepest stage, fewer in shallower ones (0: off)",
  },

  // ---- BCU: distillation ----
  {
    flag: 'temperature-start', key: 'temperatureStart', type: 'number', jobs: ['cleanse'], min: 0.01, max: 100, default: 1,
    help: 'temperature schedule start (T = start + (end - start)(e+1)/E)',
  },
  { flag: 'temperature-end', key: 'temperatureEnd', type: 'number', jobs: ['cleanse'], min: 0.01, max: 100, default: 4, help: 'temperature in the last epoch' },
  { flag: 't-squared', key: 'temperatureSquared', type: 'boolean', jobs: ['cleanse'], default: false, help: 'multiply the KL loss by T^2 (the reference does not)' },
  { flag: 'crop-padding', key: 'cropPadding', type: 'int', jobs: ['cleanse'], min: 0, max: 64, default: 4, help: 'random-crop padding in pixels (0: off)' },
  { flag: 'flip', key: 'flip', type: 'boolean', jobs: ['cleanse'], default: false, help: 'random horizontal flips (the reference uses them on CIFAR-10 only)' },
  {
    flag: 'patch-aug', key: 'patchAugment', type: 'number', jobs: ['cleanse'], min: 0, max: 1, default: 0,
    help: 'share of student images given a random patch (trigger-agnostic consistency)',
  },
  { flag: 'blend-aug', key: 'blendAugment', type: 'number', jobs: ['cleanse'], min: 0, max: 1, default: 0, help: 'share of student images blended with a random pattern' },
  {
    flag: 'unlearn-suspect', key: 'unlearnSuspect', type: 'number', jobs: RUNS, min: 0, max: 1, default: 0.5,
    help: 'share of student images stamped with the trigger the suspect scan recovers (0: off, plain BCU)',
    helpFor: { defend: 'bcu: share of student images stamped with the recovered suspect trigger (0: off)' },
  },
  {
    flag: 'unlearn-focus', key: 'unlearnFocus', type: 'choice', jobs: ['cleanse'], choices: ['on', 'off'], default: 'on',
    help: 'unlearn only the window of the recovered trigger that flips the images, when one does',
  },
  {
    flag: 'unlearn-blend', key: 'unlearnBlend', type: 'choice', jobs: ['cleanse'], choices: ['on', 'off'], default: 'off',
    help: "also unlearn the suspect's smallest whole-image blend (global triggers: Blended, SIG), on half the stamped images",
  },
  {
    flag: 'unlearn-warp', key: 'unlearnWarp', type: 'choice', jobs: ['cleanse'], choices: ['on', 'off'], default: 'on',
    help: "also unlearn the suspect's recovered one-pixel warp (warp triggers: WaNet), on half the stamped images, when it flips the images",
  },

  // ---- BCU: safety checks ----
  {
    flag: 'select', key: 'select', type: 'choice', jobs: ['cleanse'], choices: ['on', 'off'], default: 'off',
    help: 'keep the epoch a label-free rule picks and stop early (docs/safety-checks.md)',
  },
  {
    flag: 'reactivation-probe', key: 'reactivationProbe', type: 'boolean', jobs: ['cleanse'], default: false,
    help: 'with --eval-data and --trigger: ASR after 0/5/10/20 fine-tuning steps on triggered images, before vs after',
  },
  {
    flag: 'bn-recalibrate', key: 'bnRecalibrate', type: 'int', jobs: ['cleanse'], min: 0, max: 1_000_000, default: 0,
    help: 'recompute BatchNorm statistics from this many clean images after distilling (0: off; it brought a blended trigger back, docs/benchmark.md)',
  },
  {
    flag: 'recovery-epochs', key: 'recoveryEpochs', type: 'int', jobs: ['cleanse'], min: 0, max: 10_000, default: 0,
    help: 'last epochs without stamped or perturbed images (recovery after unlearning)',
  },
  {
    flag: 'mixup', key: 'mixup', type: 'number', jobs: ['cleanse'], min: 0, max: 1, default: 0,
    help: 'share of images mixed with another image, alike for teacher and student (function matching; 0: off)',
  },
  {
    flag: 'reinit-draw', key: 'reinitDraw', type: 'choice', jobs: ['cleanse'], choices: ['layer', 'pytorch'],
    help: "where re-initialized values come from: each layer's initializer, or PyTorch's draws (default layer; reference preset: pytorch)",
  },
  {
    flag: 'accept-data-warning', key: 'acceptDataWarning', type: 'boolean', jobs: ['cleanse', 'defend'], default: false,
    help: 'go on when the data check finds the images out of distribution (milder settings); without it the cleanse stops with exit 2',
    helpFor: { defend: 'bcu: go on when the data check finds the images out of distribution (as bcu cleanse)' },
  },

  // ---- other defenses (bcu defend) ----
  { flag: 'u', key: 'u', type: 'number', jobs: ['defend'], min: 0, max: 100, default: 3, help: 'clp: prune channels with Lipschitz bound > mean + u*std' },
  { flag: 'teacher-epochs', key: 'teacherEpochs', type: 'int', jobs: ['defend'], min: 1, max: 10_000, default: 10, help: 'nad: epochs fine-tuning the teacher' },
  {
    flag: 'prune-tolerance', key: 'pruneTolerance', type: 'number', jobs: ['defend'], min: 0, max: 1, default: 0.1,
    help: 'fp: largest relative clean-accuracy drop from pruning',
  },
  { flag: 'max-prune', key: 'maxPrune', type: 'number', jobs: ['defend'], min: 0, max: 1, default: 0.9, help: 'fp: largest share of the last conv layer\'s channels pruned' },

  // ---- attack lab ----
  {
    flag: 'arch', key: 'arch', type: 'text', jobs: ['attack'], default: 'resnet',
    help: 'small-cnn | resnet (ResNet-8) | resnet-tiny (ResNet-8 at half width) | resnet20 | resnet18 | vgg',
  },
  {
    flag: 'poison-rate', key: 'poisonRate', type: 'number', jobs: ['attack'], min: 0, max: 1,
    help: 'share of images poisoned (default 0.1; clean-label SIG: 0.8 of the target class)',
  },
] as const satisfies readonly SettingRow[];

type Row = (typeof SETTINGS)[number];
type RowOf<J extends Job, R = Row> = R extends { jobs: readonly (infer U)[] } ? (J extends U ? R : never) : never;
type ValueOf<R> = R extends { type: 'int' | 'number' }
  ? number
  : R extends { type: 'boolean' }
    ? boolean
    : R extends { choices: readonly (infer C)[] }
      ? C
      : R extends { type: 'ratios' }
        ? string | Record<string, number>
        : string;

/** The settings a job takes, every one optional, typed from the table (the params of a job spec). */
export type SettingValues<J extends Job> = { [R in RowOf<J> as R extends { key: infer K extends string } ? K : never]?: ValueOf<R> };

type ValueAt<T, K> = K extends keyof T ? T[K] : never;

/** The table's rows for one job, in the table's order. */
export function settingsOf(job: Job): readonly SettingRow[] {
  return (SETTINGS as readonly SettingRow[]).filter((row) => row.jobs.includes(job));
}

/** The row for a key of a job; throws for a key the job does not take (a programming error). */
export function settingRow(job: Job, key: string): SettingRow {
  const row = settingsOf(job).find((r) => r.key === key);
  if (!row) throw new Error(`bcu ${job} has no setting "${key}"`);
  return row;
}

/** The default of a setting, typed; written in the table only. */
export function settingDefault<J extends Job, K extends keyof SettingValues<J> & string>(job: J, key: K): Exclude<ValueAt<SettingValues<J>, K>, undefined> {
  const value = settingRow(job, key).default;
  if (value === undefined) throw new Error(`bcu ${job}: setting "${key}" has no default`);
  return value as Exclude<ValueAt<SettingValues<J>, K>, undefined>;
}

/** The help line of a setting for one job. */
export function helpOf(row: SettingRow, job: Job): string {
  return row.helpFor?.[job] ?? row.help;
}

const list = (choices: readonly string[]) =>
  choices.length === 2 ? `${choices[0]} or ${choices[1]}` : `one of ${choices.join(', ')}`;

/** The accepted values in words: "an integer in [1, 10000]", "a number > 0 and <= 10", "on or off". */
export function rangeText(row: SettingRow): string {
  if (row.type === 'choice') return list(row.choices ?? []);
  if (row.type === 'boolean') return 'true or false';
  if (row.type !== 'int' && row.type !== 'number') return 'text';
  const kind = row.type === 'int' ? 'an integer' : 'a number';
  if (row.above !== undefined) return `${kind} > ${row.above}${row.max !== undefined ? ` and <= ${row.max}` : ''}`;
  if (row.min !== undefined && row.max !== undefined) return `${kind} in [${row.min}, ${row.max}]`;
  if (row.min !== undefined) return `${kind} >= ${row.min}`;
  if (row.max !== undefined) return `${kind} <= ${row.max}`;
  return kind;
}

/**
 * Why a value does not fit its row, naming the flag ("--crop-padding must be an integer in [0, 64],
 * got 100"); undefined when it fits. `shown` is how the user wrote it (the CLI's raw text).
 */
export function settingProblem(row: SettingRow, value: unknown, shown: string = JSON.stringify(value)): string | undefined {
  const fails = (): boolean => {
    switch (row.type) {
      case 'int':
      case 'number':
        if (typeof value !== 'number' || !Number.isFinite(value)) return true;
        if (row.type === 'int' && !Number.isInteger(value)) return true;
        if (row.above !== undefined && !(value > row.above)) return true;
        return (row.min !== undefined && value < row.min) || (row.max !== undefined && value > row.max);
      case 'boolean':
        return typeof value !== 'boolean';
      case 'choice':
        return typeof value !== 'string' || !(row.choices ?? []).includes(value);
      case 'ratios':
        return typeof value !== 'string' && (typeof value !== 'object' || value === null || Array.isArray(value));
      default:
        return typeof value !== 'string';
    }
  };
  return fails() ? `--${row.flag} must be ${rangeText(row)}, got ${shown}` : undefined;
}

/**
 * The first value of `params` that does not fit its row for `job` (settings the job does not take
 * are not looked at; null counts as not given); undefined when all fit. Params also arrive as JSON
 * from the panel and the worker, so the engine checks them here as the CLI's parser does.
 */
export function settingsProblem(job: Job, params: object): string | undefined {
  const given = params as Record<string, unknown>;
  for (const row of settingsOf(job)) {
    const value = given[row.key];
    const problem = value === undefined || value === null ? undefined : settingProblem(row, value);
    if (problem) return problem;
  }
  return undefined;
}
