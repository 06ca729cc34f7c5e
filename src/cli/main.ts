/**
 * `bcu`: the engine on the command line. Contract (README "Command line"): exit 0 on success,
 * 2 on bad input with a one-line reason on stderr, 1 on failure; `--json` prints one JSON object
 * per line, events first and a final {"type":"result", ...}.
 */
import { runAttack } from '../engine/attack';
import { initBackend } from '../engine/backend';
import { CancelledError, DivergedError, InputError } from '../engine/errors';
import { runJob } from '../engine/jobs';
import type { BackendChoice, CleanseResult, EvaluateResult, InspectResult } from '../shared/protocol';
import type { DefendResult, DefenseMethodId } from '../shared/protocol';
import { parseFlags, usage, type FlagSpecs, type ParsedFlags } from './args';
import { runDemo, type DemoResult } from './demo';
import { humanReporter, jsonReporter, pct, type Reporter } from './reporter';

const common: FlagSpecs = {
  backend: { type: 'string', help: 'auto | tensorflow | wasm | cpu (default auto: tfjs-node, else WASM, else CPU)' },
  json: { type: 'boolean', help: 'print JSON lines (events, then a result line)' },
  help: { type: 'boolean', help: 'show this help' },
};

const COMMANDS: Record<string, { summary: string; flags: FlagSpecs }> = {
  cleanse: {
    summary: 'remove a backdoor: re-initialize part of the model and distill it on unlabeled images',
    flags: {
      model: { type: 'string', required: true, help: 'the suspicious model.json (TF.js LayersModel)' },
      data: { type: 'string', required: true, help: 'unlabeled images: folder of PNG/JPEG (recursive) or IDX file' },
      out: { type: 'string', required: true, help: 'new folder for the cleansed model and report.json' },
      preset: { type: 'string', help: 'default | reference (luluppang/BCU: ratios up to 0.27, 100 epochs, batch 256)' },
      epochs: { type: 'int', help: 'distillation epochs (default 10)' },
      batch: { type: 'int', help: 'batch size (default 128)' },
      lr: { type: 'number', help: 'learning rate, cosine-decayed (default 0.01)' },
      ratios: { type: 'string', help: 're-initialization ratios per depth group "0.01,0.03,..." or JSON {"stage3":0.2,"conv2":0.5}' },
      limit: { type: 'int', help: 'use at most N images' },
      skip: { type: 'int', help: 'skip the first N images' },
      seed: { type: 'int', help: 'random seed (masks, order, augmentation; default 0)' },
      'eval-data': { type: 'string', help: 'labeled images for before/after ACC (never used to train)' },
      trigger: { type: 'string', help: 'trigger spec JSON for before/after ASR and RA (with --eval-data)' },
      'eval-limit': { type: 'int', help: 'use at most N labeled evaluation images' },
      'eval-each-epoch': { type: 'boolean', help: 'evaluate after every epoch (slower; for studies)' },
      force: { type: 'boolean', help: 'replace a non-empty --out (only after success)' },
      'temperature-start': { type: 'number', help: 'temperature schedule start (default 1: T = 1 + 3(e+1)/E)' },
      'temperature-end': { type: 'number', help: 'temperature in the last epoch (default 4)' },
      't-squared': { type: 'boolean', help: 'multiply the KL loss by T^2 (the reference does not)' },
      'crop-padding': { type: 'int', help: 'random-crop padding in pixels (default 4; 0 turns it off)' },
      flip: { type: 'boolean', help: 'random horizontal flips (the reference uses them on CIFAR-10 only)' },
      scaling: { type: 'string', help: 'input scaling: unit (x/255, default) | symmetric | raw | "mean=..;std=.."' },
      'micro-batch': { type: 'int', help: 'largest slice pushed through at once (gradients accumulate)' },
      'lr-schedule': { type: 'string', help: 'cosine (default) | constant' },
      'ratio-deepest': { type: 'number', help: 'depth-schedule ratio of the deepest stage (default 0.27, as the reference)' },
      'ratio-factor': { type: 'number', help: 'default-schedule growth per stage (3)' },
      'ratio-stem': { type: 'number', help: 'default-schedule ratio of the first layer (0.01)' },
      'ratio-classifier': { type: 'number', help: 'default-schedule ratio of the output layer (0.10)' },
      'patch-aug': { type: 'number', help: 'share of student images given a random patch (trigger-agnostic consistency)' },
      'blend-aug': { type: 'number', help: 'share of student images blended with a random pattern' },
      'lipschitz-reinit': { type: 'number', help: 'also re-initialize conv channels with Lipschitz bound > mean + u*std (0: off)' },
      'unlearn-suspect': { type: 'number', help: 'share of student images stamped with the trigger the suspect scan recovers (default 0.5; 0: off, plain BCU)' },
      'unlearn-focus': { type: 'string', help: 'on | off (default on): unlearn only the window of the recovered trigger that flips the images, when one does' },
      select: { type: 'string', help: 'on | off (default off): keep the epoch a label-free rule picks and stop early (docs/safety-checks.md)' },
      'reactivation-probe': { type: 'boolean', help: 'with --eval-data and --trigger: ASR after 0/5/10/20 fine-tuning steps on triggered images, before vs after' },
      ...common,
    },
  },
  evaluate: {
    summary: 'ACC on labeled images; ASR and RA with a trigger spec',
    flags: {
      model: { type: 'string', required: true, help: 'model.json or model.onnx' },
      data: { type: 'string', required: true, help: 'labeled images: class subfolders, or IDX with its labels file' },
      trigger: { type: 'string', help: 'trigger spec JSON' },
      limit: { type: 'int', help: 'use at most N images' },
      skip: { type: 'int', help: 'skip the first N images' },
      scaling: { type: 'string', help: 'input scaling: unit (x/255, default; an .onnx model\'s metadata_props "scaling" when set) | symmetric | raw | "mean=..;std=.."' },
      ...common,
    },
  },
  attack: {
    summary: 'train a backdoored model (the attack lab) from labeled images and a trigger spec',
    flags: {
      data: { type: 'string', required: true, help: 'labeled training images (class subfolders, or IDX)' },
      trigger: { type: 'string', required: true, help: 'trigger spec JSON' },
      out: { type: 'string', required: true, help: 'new folder for the backdoored model' },
      arch: { type: 'string', help: 'small-cnn | resnet (default, ResNet-8) | resnet-tiny (ResNet-8 at half width) | resnet20 | resnet18 | vgg' },
      'poison-rate': { type: 'number', help: 'share of images poisoned (default 0.1; clean-label SIG: 0.8 of the target class)' },
      epochs: { type: 'int', help: 'training epochs (default 6)' },
      batch: { type: 'int', help: 'batch size (default 128)' },
      lr: { type: 'number', help: 'learning rate, SGD momentum 0.9, cosine (default 0.05)' },
      seed: { type: 'int', help: 'random seed (default 0)' },
      limit: { type: 'int', help: 'use at most N images' },
      skip: { type: 'int', help: 'skip the first N images (e.g. the held-out unlabeled pool)' },
      'eval-data': { type: 'string', help: 'labeled test images: ACC, and ASR/RA of the trained backdoor' },
      'eval-limit': { type: 'int', help: 'use at most N test images' },
      force: { type: 'boolean', help: 'replace a non-empty --out' },
      ...common,
    },
  },
  inspect: {
    summary: "a model's layers, depth groups, default re-initialization ratios and diagnostics (docs/diagnostics.md)",
    flags: {
      model: { type: 'string', required: true, help: 'model.json' },
      data: { type: 'string', help: 'unlabeled images: adds BatchNorm divergence, activation statistics, data quality and the suspect scan' },
      limit: { type: 'int', help: 'use at most N images (default 2000)' },
      'no-suspect': { type: 'boolean', help: 'skip the Neural-Cleanse-style suspect-class scan (the slow part)' },
      ...common,
    },
  },
  defend: {
    summary: 'run one defense (bcu, or a baseline: ft, fp, nad, clp) the same way, for comparison (docs/defenses.md)',
    flags: {
      method: { type: 'string', required: true, help: 'bcu (unlabeled data) | ft | fp | nad (labeled data) | clp (data-free)' },
      model: { type: 'string', required: true, help: 'the suspicious model.json (TF.js LayersModel)' },
      data: { type: 'string', help: 'defender images: labeled (class subfolders or IDX with labels) for ft/fp/nad, unlabeled for bcu; unused by clp' },
      out: { type: 'string', required: true, help: 'new folder for the defended model and report.json' },
      epochs: { type: 'int', help: 'training epochs (default 10; NAD: student epochs)' },
      batch: { type: 'int', help: 'batch size (default 128)' },
      lr: { type: 'number', help: 'learning rate, SGD momentum 0.9, weight decay 5e-4, cosine (default 0.01)' },
      seed: { type: 'int', help: 'random seed (default 0)' },
      limit: { type: 'int', help: 'use at most N images of --data' },
      skip: { type: 'int', help: 'skip the first N images of --data' },
      'eval-data': { type: 'string', help: 'labeled images for before/after ACC (never used to defend)' },
      trigger: { type: 'string', help: 'trigger spec JSON for before/after ASR and RA (with --eval-data)' },
      'eval-limit': { type: 'int', help: 'use at most N labeled evaluation images' },
      force: { type: 'boolean', help: 'replace a non-empty --out (only after success)' },
      u: { type: 'number', help: 'clp: prune channels with Lipschitz bound > mean + u*std (default 3)' },
      'teacher-epochs': { type: 'int', help: 'nad: epochs fine-tuning the teacher (default 10)' },
      'prune-tolerance': { type: 'number', help: 'fp: largest relative clean-accuracy drop from pruning (default 0.1)' },
      'max-prune': { type: 'number', help: 'fp: largest share of the last conv layer\'s channels pruned (default 0.9)' },
      preset: { type: 'string', help: 'bcu: default | reference (as bcu cleanse; `bcu cleanse` has every option)' },
      'ratio-deepest': { type: 'number', help: 'bcu: depth-schedule ratio of the deepest stage (default 0.27)' },
      'unlearn-suspect': { type: 'number', help: 'bcu: share of student images stamped with the recovered suspect trigger (default 0.5; 0: off)' },
      ratios: { type: 'string', help: 'bcu: re-initialization ratios, as bcu cleanse --ratios' },
      scaling: { type: 'string', help: 'input scaling: unit (x/255, default) | symmetric | raw | "mean=..;std=.."' },
      ...common,
    },
  },
  demo: {
    summary: 'the embedded default: backdoor a small model, cleanse it, print before/after',
    flags: {
      out: { type: 'string', help: 'folder for the demo models (default: a new temporary folder)' },
      quick: { type: 'boolean', help: 'a smaller, faster demo (CI smoke)' },
      ...common,
    },
  },
};

const str = (f: ParsedFlags, k: string) => f[k] as string | undefined;
const num = (f: ParsedFlags, k: string) => f[k] as number | undefined;

function defined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

async function run(command: string, flags: ParsedFlags, reporter: Reporter, signal: AbortSignal): Promise<object> {
  const backend = (str(flags, 'backend') ?? 'auto') as BackendChoice;
  if (!['auto', 'tensorflow', 'wasm', 'cpu'].includes(backend)) throw new InputError(`--backend must be auto, tensorflow, wasm or cpu, got "${backend}"`);
  const sink = reporter.event;
  switch (command) {
    case 'cleanse':
      return runJob(
        {
          kind: 'cleanse',
          params: {
            model: str(flags, 'model')!, data: str(flags, 'data')!, out: str(flags, 'out')!,
            epochs: num(flags, 'epochs'), batch: num(flags, 'batch'), lr: num(flags, 'lr'), ratios: str(flags, 'ratios'),
            limit: num(flags, 'limit'), skip: num(flags, 'skip'), seed: num(flags, 'seed'), backend,
            evalData: str(flags, 'eval-data'), trigger: str(flags, 'trigger'), evalLimit: num(flags, 'eval-limit'), force: flags.force === true,
            extra: defined({
              preset: str(flags, 'preset'),
              temperatureStart: num(flags, 'temperature-start'), temperatureEnd: num(flags, 'temperature-end'),
              temperatureSquared: flags['t-squared'] as boolean | undefined, cropPadding: num(flags, 'crop-padding'),
              flip: flags.flip as boolean | undefined, scaling: str(flags, 'scaling'), microBatch: num(flags, 'micro-batch'),
              lrSchedule: str(flags, 'lr-schedule'), ratioDeepest: num(flags, 'ratio-deepest'), ratioFactor: num(flags, 'ratio-factor'),
              ratioStem: num(flags, 'ratio-stem'), ratioClassifier: num(flags, 'ratio-classifier'),
              evalEachEpoch: flags['eval-each-epoch'] as boolean | undefined,
              patchAugment: num(flags, 'patch-aug'), blendAugment: num(flags, 'blend-aug'), lipschitzU: num(flags, 'lipschitz-reinit'),
              unlearnSuspect: num(flags, 'unlearn-suspect'), unlearnFocus: str(flags, 'unlearn-focus'),
              select: str(flags, 'select'), reactivationProbe: flags['reactivation-probe'] as boolean | undefined,
            }),
          },
        },
        sink,
        signal,
      );
    case 'evaluate':
      return runJob(
        { kind: 'evaluate', params: { model: str(flags, 'model')!, data: str(flags, 'data')!, trigger: str(flags, 'trigger'), limit: num(flags, 'limit'), skip: num(flags, 'skip'), scaling: str(flags, 'scaling'), backend } },
        sink,
        signal,
      );
    case 'inspect':
      return runJob(
        { kind: 'inspect', params: { model: str(flags, 'model')!, data: str(flags, 'data'), limit: num(flags, 'limit'), noSuspect: flags['no-suspect'] === true, backend } },
        sink,
        signal,
      );
    case 'defend':
      return runJob(
        {
          kind: 'defend',
          params: {
            method: str(flags, 'method') as DefenseMethodId, model: str(flags, 'model')!, data: str(flags, 'data'), out: str(flags, 'out')!,
            epochs: num(flags, 'epochs'), batch: num(flags, 'batch'), lr: num(flags, 'lr'), seed: num(flags, 'seed'),
            limit: num(flags, 'limit'), skip: num(flags, 'skip'), evalData: str(flags, 'eval-data'), trigger: str(flags, 'trigger'),
            evalLimit: num(flags, 'eval-limit'), force: flags.force === true, u: num(flags, 'u'), ratios: str(flags, 'ratios'), backend,
            extra: defined({
              teacherEpochs: num(flags, 'teacher-epochs'), pruneTolerance: num(flags, 'prune-tolerance'), maxPrune: num(flags, 'max-prune'),
              preset: str(flags, 'preset'), ratioDeepest: num(flags, 'ratio-deepest'), scaling: str(flags, 'scaling'),
              unlearnSuspect: num(flags, 'unlearn-suspect'),
            }),
          },
        },
        sink,
        signal,
      );
    case 'attack': {
      const info = await initBackend(backend);
      sink({ type: 'backend', backend: info });
      return runAttack(
        {
          data: str(flags, 'data')!, trigger: str(flags, 'trigger')!, out: str(flags, 'out')!, arch: str(flags, 'arch'),
          poisonRate: num(flags, 'poison-rate'), epochs: num(flags, 'epochs'), batch: num(flags, 'batch'), lr: num(flags, 'lr'),
          seed: num(flags, 'seed'), limit: num(flags, 'limit'), skip: num(flags, 'skip'), evalData: str(flags, 'eval-data'),
          evalLimit: num(flags, 'eval-limit'), force: flags.force === true,
        },
        info,
        sink,
        signal,
      );
    }
    case 'demo':
      return runDemo({ out: str(flags, 'out'), quick: flags.quick === true, backend }, sink, signal);
    default:
      throw new InputError(`unknown command "${command}"`);
  }
}

function printHumanResult(command: string, result: object): void {
  const out = (s: string) => process.stdout.write(s + '\n');
  if (command === 'evaluate') {
    const r = result as EvaluateResult;
    out(`ACC ${pct(r.acc)}  ASR ${pct(r.asr)}  RA ${pct(r.ra)}  (${r.n} images, ${r.nTriggered} triggered)`);
  } else if (command === 'inspect') {
    const r = result as InspectResult;
    out(`${r.model}: input ${JSON.stringify(r.inputShape)}, ${r.classes} classes, ${r.params} parameters`);
    const fig = (v: number | null | undefined, digits: number, width: number) => (v == null ? '' : v.toFixed(digits)).padStart(width);
    out(['layer'.padEnd(28), 'kind'.padEnd(20), 'params'.padStart(10), 'group'.padStart(12), 'ratio'.padStart(7), 'lipMax'.padStart(8), 'lipZ'.padStart(6), 'bnDiv'.padStart(7), 'actMean'.padStart(8), 'dead'.padStart(5)].join(' '));
    for (const l of r.layers) {
      out([
        l.name.padEnd(28), l.kind.padEnd(20), String(l.params).padStart(10), l.group.padStart(12), l.ratio.toFixed(3).padStart(7),
        fig(l.lipschitzMax, 2, 8), fig(l.lipschitzZ, 1, 6), fig(l.bnDivergence, 3, 7), fig(l.activationMean, 3, 8), fig(l.deadShare, 2, 5),
      ].join(' ') + (l.warning ? `  ! ${l.warning}` : ''));
    }
    if (r.dataQuality) out(`data quality: ${r.dataQuality.verdict}${r.dataQuality.reasons.length ? ` (${r.dataQuality.reasons.join('; ')})` : ''}`);
    if (r.suspectScan) {
      out(`suspect scan (Neural Cleanse): ${r.suspectScan.perClass.map((c) => `${c.class}:${c.maskL1.toFixed(1)}`).join(' ')} (mask L1 per class)`);
      out(r.suspect
        ? `suspect: class ${r.suspect.class} (anomaly index ${r.suspect.anomalyIndex.toFixed(2)} > 2, mask under half the median class's)`
        : 'suspect: none (no class with anomaly index above 2 and a mask under half the median)');
    }
  } else if (command === 'cleanse') {
    const r = result as CleanseResult;
    if (r.before && r.after) {
      out(`ACC ${pct(r.before.acc)} -> ${pct(r.after.acc)}   ASR ${pct(r.before.asr)} -> ${pct(r.after.asr)}   RA ${pct(r.before.ra)} -> ${pct(r.after.ra)}`);
    }
    out(`teacher-student agreement ${pct(r.agreement)}; ${r.seconds.toFixed(1)} s`);
    out(`cleansed model: ${r.model}${r.onnx ? `\ncleansed ONNX model: ${r.onnx}` : ''}\nreport: ${r.report}`);
  } else if (command === 'defend') {
    const r = result as DefendResult;
    if (r.before && r.after) {
      out(`${r.method}: ACC ${pct(r.before.acc)} -> ${pct(r.after.acc)}   ASR ${pct(r.before.asr)} -> ${pct(r.after.asr)}   RA ${pct(r.before.ra)} -> ${pct(r.after.ra)}`);
    }
    const prunedCount = r.pruned ? Object.values(r.pruned).reduce((s, c) => s + c.length, 0) : null;
    out(`defense ${r.method} (needs: ${r.needs})${prunedCount !== null ? `, ${prunedCount} channel${prunedCount === 1 ? '' : 's'} pruned` : ''}; ${r.seconds.toFixed(1)} s`);
    out(`defended model: ${r.model}\nreport: ${r.report}`);
  } else if (command === 'demo') {
    const r = result as DemoResult;
    out(`\nBackdoor Cleanse demo (${r.dataset}, BadNets 3x3 -> class 0)`);
    out(`                 ACC        ASR        RA`);
    out(`attacked model   ${pct(r.before?.acc).padStart(8)}   ${pct(r.before?.asr).padStart(8)}   ${pct(r.before?.ra).padStart(8)}`);
    out(`after BCU        ${pct(r.after?.acc).padStart(8)}   ${pct(r.after?.asr).padStart(8)}   ${pct(r.after?.ra).padStart(8)}`);
    out(`attack ${r.seconds.attack.toFixed(0)} s, cleanse ${r.seconds.cleanse.toFixed(0)} s`);
    out(`attacked: ${r.attackedModel}\ncleansed: ${r.cleansedModel}\nreport:   ${r.report}`);
  } else if ('model' in result) {
    const r = result as { model: string; report?: string };
    out(`model: ${r.model}${r.report ? `\nreport: ${r.report}` : ''}`);
  }
}

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === '--help' || command === 'help' || !COMMANDS[command]) {
    const list = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(9)} ${c.summary}`).join('\n');
    process.stdout.write(`usage: bcu <command> [flags]\n\n${list}\n\nbcu <command> --help lists its flags.\n`);
    return command && command !== '--help' && command !== 'help' ? 2 : 0;
  }
  const spec = COMMANDS[command];
  const controller = new AbortController();
  const onSignal = () => controller.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  let reporter: Reporter = humanReporter();
  try {
    const flags = parseFlags(command, rest, spec.flags);
    if (flags.help) {
      process.stdout.write(usage(command, spec.summary, spec.flags));
      return 0;
    }
    if (flags.json) reporter = jsonReporter();
    const result = await run(command, flags, reporter, controller.signal);
    reporter.finish();
    if (flags.json) reporter.result(result);
    else printHumanResult(command, result);
    return 0;
  } catch (error) {
    reporter.finish();
    const message = (error as Error).message ?? String(error);
    if (error instanceof InputError) {
      process.stderr.write(`bcu ${command}: ${message.split('\n')[0]}\n`);
      return 2;
    }
    if (error instanceof CancelledError) {
      process.stderr.write(`bcu ${command}: cancelled; nothing was written\n`);
      return 1;
    }
    if (error instanceof DivergedError) {
      process.stderr.write(`bcu ${command}: ${message}\n`);
      return 1;
    }
    process.stderr.write(`bcu ${command}: failed: ${(error as Error).stack ?? message}\n`);
    return 1;
  } finally {
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
  }
}
