/**
 * `bcu`: the engine on the command line. Contract (README "Command line"): exit 0 on success,
 * 2 on bad input with a one-line reason on stderr, 1 on failure; `--json` prints one JSON object
 * per line, events first and a final {"type":"result", ...}.
 */
import { runAttack, type AttackParams } from '../engine/attackLab/attack';
import { initBackend } from '../engine/backend';
import { CancelledError, DivergedError, InputError } from '../engine/errors';
import { runJob } from '../engine/run/jobs';
import type { BackendChoice, CleanseParams, CleanseResult, DefendParams, EvaluateParams, EvaluateResult, InspectParams, InspectResult } from '../shared/protocol';
import type { DefendResult } from '../shared/protocol';
import { JOBS, settingsOf, type Job, type SettingRow } from '../shared/settings';
import { CLI_SWITCHES, parseFlags, usage, type ParsedFlags } from './args';
import { runDemo, type DemoResult } from './demo';
import { humanReporter, jsonReporter, pct, type Reporter } from './reporter';
import { suspectSummary } from './suspectSummary';

const SUMMARIES: Record<Job, string> = {
  cleanse: 'remove a backdoor: re-initialize part of the model and distill it on unlabeled images',
  evaluate: 'ACC on labeled images; ASR and RA with a trigger spec',
  attack: 'train a backdoored model (the attack lab) from labeled images and a trigger spec',
  inspect: "a model's layers, depth groups, default re-initialization ratios and diagnostics (docs/diagnostics.md)",
  defend: 'run one defense (bcu, or a baseline: ft, fp, nad, clp) the same way, for comparison (docs/defenses.md)',
  demo: 'the embedded default: backdoor a small model, cleanse it, print before/after',
};

/** A command's flags: its rows of the settings table, then --json and --help. */
const flagsOf = (command: Job): readonly SettingRow[] => [...settingsOf(command), ...CLI_SWITCHES];

const isCommand = (name: string | undefined): name is Job => (JOBS as readonly string[]).includes(name ?? '');

async function run(command: Job, flags: ParsedFlags, reporter: Reporter, signal: AbortSignal): Promise<object> {
  // The parser returns the table's keys, which are the job params' names: no renaming here.
  const { json: _json, help: _help, ...params } = flags;
  const sink = reporter.event;
  switch (command) {
    case 'cleanse':
      return runJob({ kind: 'cleanse', params: params as unknown as CleanseParams }, sink, signal);
    case 'evaluate':
      return runJob({ kind: 'evaluate', params: params as unknown as EvaluateParams }, sink, signal);
    case 'inspect':
      return runJob({ kind: 'inspect', params: params as unknown as InspectParams }, sink, signal);
    case 'defend':
      return runJob({ kind: 'defend', params: params as unknown as DefendParams }, sink, signal);
    case 'attack': {
      const attack = params as unknown as AttackParams;
      const info = await initBackend(attack.backend ?? 'auto');
      sink({ type: 'backend', backend: info });
      return runAttack(attack, info, sink, signal);
    }
    case 'demo':
      return runDemo({ out: params.out as string | undefined, quick: params.quick === true, backend: (params.backend as BackendChoice | undefined) ?? 'auto' }, sink, signal);
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
      out(suspectSummary(r.suspect ?? null, r.suspectScan));
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
  const list = JOBS.map((name) => `  ${name.padEnd(9)} ${SUMMARIES[name]}`).join('\n');
  if (!command || command === '--help' || command === 'help') {
    process.stdout.write(`usage: bcu <command> [flags]\n\n${list}\n\nbcu <command> --help lists its flags.\n`);
    return 0;
  }
  if (!isCommand(command)) {
    process.stderr.write(`bcu: unknown command "${command}"; the commands are ${JOBS.join(', ')}. Run bcu --help.\n\n${list}\n`);
    return 2;
  }
  const rows = flagsOf(command);
  const controller = new AbortController();
  const onSignal = () => controller.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  let reporter: Reporter = humanReporter();
  try {
    const flags = parseFlags(command, rest, rows);
    if (flags.help) {
      process.stdout.write(usage(command, SUMMARIES[command], rows));
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
