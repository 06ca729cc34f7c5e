// One `bcu ... --json` child for the bench scripts: parses the JSON lines, prints throttled
// progress, and resolves with the result line and the wall time (rejects on failure, with the
// tail of what the child said on stderr).
import { spawn } from 'node:child_process';

/**
 * @param {string} bin           path to bin/bcu.js (or a snapshot of it)
 * @param {string[]} args        bcu arguments (without --json)
 * @param {string} label         prefix of the progress lines
 * @param {object} [options]
 * @param {number} [options.progressEveryMs]  at most one progress line per this many ms (default 30000)
 * @param {boolean} [options.echoStderr]      pass the child's stderr through live (default: keep its tail for the error)
 * @param {(event: object) => void} [options.onEvent]  sees every other event (epoch, backend, ...)
 */
export function runBcu(bin, args, label, options = {}) {
  const { progressEveryMs = 30000, echoStderr = false, onEvent } = options;
  return new Promise((resolve, reject) => {
    const t0 = Date.now();
    const child = spawn(process.execPath, [bin, ...args, '--json'], { stdio: ['ignore', 'pipe', echoStderr ? 'inherit' : 'pipe'] });
    let buffer = '';
    let stderr = '';
    let result = null;
    let lastDraw = 0;
    child.stderr?.on('data', (chunk) => { stderr = (stderr + chunk).slice(-4000); });
    child.stdout.on('data', (chunk) => {
      buffer += chunk;
      let nl;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        if (!line.trim()) continue;
        let event;
        try { event = JSON.parse(line); } catch { stderr = (stderr + line + '\n').slice(-4000); continue; }
        if (event.type === 'log' && event.level === 'error') stderr = (stderr + event.message + '\n').slice(-4000);
        if (event.type === 'result') result = event;
        else if (event.type === 'progress') {
          if (Date.now() - lastDraw <= progressEveryMs) continue;
          lastDraw = Date.now();
          const eta = event.etaSeconds == null ? '?' : `${Math.round(event.etaSeconds)} s`;
          process.stderr.write(`  [${label}] ${event.phase ?? ''} epoch ${event.epoch}/${event.epochs} step ${event.step}/${event.steps}, ${Math.round(event.imagesPerSecond ?? 0)} img/s, ETA ${eta}\n`);
        } else onEvent?.(event);
      }
    });
    child.on('exit', (code) => {
      if (code === 0 && result) resolve({ result, seconds: (Date.now() - t0) / 1000 });
      else reject(new Error(`bcu ${args[0]} (${label}) exited with ${code}${stderr ? `: ${stderr.trim().split('\n').slice(-3).join(' | ')}` : ''}`));
    });
  });
}
