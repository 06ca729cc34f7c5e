/**
 * One worker child process: forked from dist/worker.js (or run by another Node binary named in
 * `backdoorCleanse.nodePath`), talking the typed protocol over the IPC channel. Plain Node, no
 * `vscode`, so the runner's tests drive it with fake workers.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { PROTOCOL_VERSION, isWorkerToHost, type HostToWorker, type WorkerToHost } from '../shared/protocol';

export interface WorkerLaunch {
  /** The worker script (dist/worker.js, or a fake one in tests). */
  script: string;
  /** Node binary to run it with; empty or undefined: the editor's own runtime. */
  nodePath?: string;
  /** Extra environment variables for the worker. */
  env?: Record<string, string>;
  cwd?: string;
}

export interface WorkerExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Set when the process could not be started at all (e.g. nodePath does not exist). */
  spawnError?: Error;
}

/** How much of the worker's stderr is kept to classify a crash (OOM messages sit at the end). */
const STDERR_TAIL_CHARS = 16_384;

export class WorkerProcess {
  private readonly child: ChildProcess;
  private stderrTail = '';
  private exitInfo: WorkerExit | undefined;
  private readonly exitListeners: ((exit: WorkerExit) => void)[] = [];
  private readonly messageListeners: ((message: WorkerToHost) => void)[] = [];
  /** Resolves with the worker's pid once it said worker/ready with our protocol version. */
  readonly ready: Promise<number>;

  constructor(launch: WorkerLaunch, private readonly log: (text: string) => void) {
    this.child = fork(launch.script, [], {
      execPath: launch.nodePath || process.execPath,
      // Debug flags of the extension host (--inspect...) must not leak into the worker.
      execArgv: [],
      cwd: launch.cwd,
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      // Inside desktop VS Code process.execPath is Electron: make it behave as plain Node.
      env: { ...process.env, ELECTRON_RUN_AS_NODE: '1', ...launch.env },
    });
    this.child.stdout?.setEncoding('utf8').on('data', (text: string) => this.log(text));
    this.child.stderr?.setEncoding('utf8').on('data', (text: string) => {
      this.stderrTail = (this.stderrTail + text).slice(-STDERR_TAIL_CHARS);
      this.log(text);
    });
    this.child.on('message', (message: unknown) => {
      if (!isWorkerToHost(message)) return;
      for (const listener of [...this.messageListeners]) listener(message);
    });
    this.child.on('error', (error) => {
      // 'error' without a pid means the spawn itself failed; a later 'exit' may never come.
      if (this.child.pid === undefined) this.recordExit({ code: null, signal: null, spawnError: error });
      else this.log(`worker process error: ${error.message}\n`);
    });
    this.child.on('exit', (code, signal) => this.recordExit({ code, signal }));

    this.ready = new Promise<number>((resolve, reject) => {
      this.onMessage((message) => {
        if (message.method !== 'worker/ready') return;
        if (message.protocol === PROTOCOL_VERSION) resolve(message.pid);
        else reject(new Error(`the worker speaks protocol ${message.protocol}, the extension ${PROTOCOL_VERSION}; rebuild or reinstall the extension`));
      });
      this.onExit((exit) => reject(new Error(`the worker stopped before it was ready (${describeExit(exit)})`)));
    });
    this.ready.catch(() => undefined); // callers that never await `ready` must not cause an unhandled rejection
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get exited(): WorkerExit | undefined {
    return this.exitInfo;
  }

  /** The last part of what the worker wrote to stderr. */
  get stderr(): string {
    return this.stderrTail;
  }

  onMessage(listener: (message: WorkerToHost) => void): void {
    this.messageListeners.push(listener);
  }

  onExit(listener: (exit: WorkerExit) => void): void {
    if (this.exitInfo) listener(this.exitInfo);
    else this.exitListeners.push(listener);
  }

  send(message: HostToWorker): boolean {
    if (this.exitInfo || !this.child.connected) return false;
    try {
      return this.child.send(message);
    } catch {
      return false;
    }
  }

  /** Closes the IPC channel: a well-behaved worker exits on 'disconnect'; kill() after graceMs. */
  close(graceMs = 2000): void {
    if (this.exitInfo) return;
    if (this.child.connected) this.child.disconnect();
    const timer = setTimeout(() => this.kill(), graceMs);
    timer.unref();
    this.onExit(() => clearTimeout(timer));
  }

  kill(): void {
    if (!this.exitInfo) this.child.kill('SIGKILL');
  }

  private recordExit(exit: WorkerExit): void {
    if (this.exitInfo) return;
    // Let the stderr pipe drain first, so crash classification sees the last words.
    this.exitInfo = exit;
    const listeners = this.exitListeners.splice(0);
    const notify = () => listeners.forEach((listener) => listener(exit));
    if (this.child.stderr && !this.child.stderr.readableEnded && !exit.spawnError) {
      const timer = setTimeout(notify, 200);
      this.child.stderr.once('end', () => {
        clearTimeout(timer);
        notify();
      });
    } else {
      notify();
    }
  }
}

export function describeExit(exit: WorkerExit): string {
  if (exit.spawnError) return exit.spawnError.message;
  if (exit.signal) return `killed by ${exit.signal}`;
  return `exit code ${exit.code}`;
}
