/**
 * What to tell the user when the worker process ended without answering job/done or job/failed.
 * WASM aborts and V8 heap exhaustion are reported as 'out-of-memory' with advice; everything else
 * is an 'internal' crash whose details are in the output channel.
 */
import { OUT_OF_MEMORY_PATTERN, type Failure } from '../shared/failure';
import { describeExit, type WorkerExit } from './workerProcess';

export function classifyWorkerExit(exit: WorkerExit, stderr: string, nodePath?: string): Failure {
  if (exit.spawnError) {
    const where = nodePath ? `the Node binary ${nodePath} (setting backdoorCleanse.nodePath)` : 'the worker';
    return { kind: 'input', message: `Could not start ${where}: ${exit.spawnError.message}.` };
  }
  if (OUT_OF_MEMORY_PATTERN.test(stderr)) {
    return {
      kind: 'out-of-memory',
      message: `The worker ran out of memory (${describeExit(exit)}). Try a smaller batch or limit, or the 'tensorflow' backend.`,
    };
  }
  const lastLine = lastMeaningfulLine(stderr);
  const hint = exit.signal === 'SIGKILL' ? ' If memory was short, the system may have stopped it.' : '';
  return {
    kind: 'internal',
    message: `The worker stopped unexpectedly (${describeExit(exit)}).${hint}${lastLine ? ` Last output: ${lastLine.slice(0, 300)}` : ''}`,
  };
}

/** The error line of a crash ("Error: Cannot find module ..."), not Node's closing "Node.js v20..." line. */
function lastMeaningfulLine(stderr: string): string | undefined {
  const lines = stderr.split('\n').map((line) => line.trim()).filter((line) => line && !/^Node\.js v\d/.test(line) && !/^at /.test(line));
  return [...lines].reverse().find((line) => /\b\w*Error\b|^\w+: /.test(line)) ?? lines.pop();
}
