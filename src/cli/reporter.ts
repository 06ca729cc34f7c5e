/**
 * How the CLI shows engine events: `--json` prints each event as one JSON line on stdout (the
 * result line last); otherwise a progress bar with throughput and ETA on a terminal's stderr,
 * and plain log lines when stderr is not a terminal.
 */
import type { EngineEvent } from '../shared/protocol';

export interface Reporter {
  event(event: EngineEvent): void;
  result(result: object): void;
  /** Clears the progress line before other output. */
  finish(): void;
}

export function jsonReporter(write: (line: string) => void = (l) => process.stdout.write(l)): Reporter {
  return {
    event: (event) => write(JSON.stringify(event) + '\n'),
    result: (result) => write(JSON.stringify(result) + '\n'),
    finish: () => undefined,
  };
}

function formatSeconds(s: number | null): string {
  if (s === null || !Number.isFinite(s)) return '--:--';
  const total = Math.round(s);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const sec = total % 60;
  return (h ? `${h}:${String(m).padStart(2, '0')}` : String(m)) + ':' + String(sec).padStart(2, '0');
}

export function progressLine(e: Extract<EngineEvent, { type: 'progress' }>, width = 24): string {
  const total = e.epochs > 0 ? e.epochs * Math.max(1, e.steps) : Math.max(1, e.steps);
  const done = e.epochs > 0 ? (e.epoch - 1) * Math.max(1, e.steps) + e.step : e.step;
  const frac = Math.min(1, Math.max(0, done / total));
  const filled = Math.round(frac * width);
  const bar = '#'.repeat(filled) + '-'.repeat(width - filled);
  const parts = [
    `${e.phase.padEnd(7)} [${bar}] ${(100 * frac).toFixed(0).padStart(3)}%`,
    e.epochs > 0 ? `${e.phase === 'scan' ? 'class' : 'epoch'} ${e.epoch}/${e.epochs}` : '',
    e.steps > 0 ? `${e.phase === 'scan' ? 'round' : 'step'} ${e.step}/${e.steps}` : '',
    e.loss != null ? `loss ${e.loss.toFixed(4)}` : '',
    e.temperature != null ? `T ${e.temperature.toFixed(2)}` : '',
    e.imagesPerSecond != null ? `${e.imagesPerSecond.toFixed(0)} img/s` : '',
    `ETA ${formatSeconds(e.etaSeconds)}`,
  ];
  return parts.filter(Boolean).join('  ');
}

export function humanReporter(stream: NodeJS.WriteStream = process.stderr): Reporter {
  const tty = Boolean(stream.isTTY);
  let lineOpen = false;
  let lastDraw = 0;
  const clear = () => {
    if (lineOpen) stream.write('\r\x1b[2K');
    lineOpen = false;
  };
  const say = (text: string) => {
    clear();
    stream.write(text + '\n');
  };
  return {
    event(event) {
      switch (event.type) {
        case 'progress': {
          // Without a terminal the scan still says where it is, once per class (it can run for minutes).
          if (!tty && event.phase === 'scan' && event.step === 0) return say(`suspect scan: class ${event.epoch} of ${event.epochs}, ETA ${formatSeconds(event.etaSeconds)}`);
          if (!tty || event.steps === 0) return;
          const now = Date.now();
          if (now - lastDraw < 100 && event.step !== event.steps) return;
          lastDraw = now;
          stream.write('\r\x1b[2K' + progressLine(event).slice(0, (stream.columns ?? 120) - 1));
          lineOpen = true;
          return;
        }
        case 'log':
          return say(`${event.level === 'warn' ? 'warning: ' : ''}${event.message}`);
        case 'backend':
          return say(`backend: ${event.backend.name} (${event.backend.threads} thread${event.backend.threads === 1 ? '' : 's'}) - ${event.backend.reason}`);
        case 'epoch': {
          const r = event.record;
          const evalText = r.eval ? `, ACC ${pct(r.eval.acc)}, ASR ${pct(r.eval.asr)}` : '';
          return say(
            `epoch ${r.epoch}: loss ${r.loss.toFixed(4)}, T ${r.temperature.toFixed(2)}, lr ${r.lr.toExponential(2)}, ` +
              `agreement ${pct(r.agreement)}, ${r.imagesPerSecond.toFixed(0)} img/s, ${r.seconds.toFixed(1)} s${evalText}`,
          );
        }
        case 'metrics':
          return say(`${event.which === 'before' ? 'before' : 'after '}: ACC ${pct(event.metrics.acc)}  ASR ${pct(event.metrics.asr)}  RA ${pct(event.metrics.ra)}  (n ${event.metrics.n})`);
        case 'layers':
        case 'report':
          return;
      }
    },
    result: () => clear(),
    finish: clear,
  };
}

export function pct(value: number | null | undefined): string {
  return value === null || value === undefined ? '  n/a' : `${(100 * value).toFixed(2)} %`;
}
