/**
 * The cleanse panel's controller: creates (or revives after a reload) the webview, answers its
 * commands (dialogs, start/cancel, inspect, open files) and forwards the runner's jobs and engine
 * events to it. The webview holds the state (and saves it with setState); the host holds none
 * but the running job's catch-up record (JobHistory).
 */
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import type { BackendChoice, CleanseParams, DemoSetupResult, InspectParams, InspectResult } from '../../shared/protocol';
import {
  DEFENSE_METHODS,
  PANEL_PROTOCOL_VERSION,
  dispatchCommand,
  isPanelCommand,
  isPanelRunKind,
  notification,
  type PanelCommandHandlers,
  type PanelDefaults,
  type PanelNotification,
  type PickField,
} from '../../shared/panelMessages';
import { acceptsDataWarning } from '../dataWarning';
import { jobSpecFrom, panelDefaults, type JobRequest } from '../jobSpecFrom';
import type { ReportRecord, RunningJob, Services } from '../services';
import { JobHistory } from './jobHistory';
import { makeNonce, panelHtml } from './panelHtml';
import { PICK_DIALOGS } from './pickDialogs';
import { inlineEventImages, inlineReportImages } from './reportImages';

const BACKENDS: BackendChoice[] = ['auto', 'tensorflow', 'wasm', 'cpu'];

export class CleansePanel implements vscode.Disposable {
  static readonly viewType = 'backdoorCleanse.panel';
  private static current: CleansePanel | undefined;
  private static history: JobHistory | undefined;

  private readonly disposables: vscode.Disposable[] = [];
  /** Engine-event subscriptions per job id (cleanse and defend jobs only). */
  private readonly forwarding = new Map<string, vscode.Disposable>();
  /** Messages for the webview that must not be lost before it says 'panel/ready'. */
  private readonly outbox: PanelNotification[] = [];
  private ready = false;
  private pendingInspect: RunningJob | undefined;

  /** Opens the panel, or brings the open one to the front. */
  static createOrShow(services: Services): CleansePanel {
    const column = vscode.window.activeTextEditor ? vscode.ViewColumn.Beside : vscode.ViewColumn.One;
    if (CleansePanel.current) {
      CleansePanel.current.panel.reveal(column);
      return CleansePanel.current;
    }
    const panel = vscode.window.createWebviewPanel(CleansePanel.viewType, 'Backdoor Cleanse', column, CleansePanel.webviewOptions(services));
    return new CleansePanel(panel, services);
  }

  /** Restores the panel after a window reload (its webview state comes back through getState). */
  static registerSerializer(services: Services): vscode.Disposable {
    const history = CleansePanel.historyFor(services);
    const serializer = vscode.window.registerWebviewPanelSerializer(CleansePanel.viewType, {
      deserializeWebviewPanel: async (panel: vscode.WebviewPanel) => {
        panel.webview.options = CleansePanel.webviewOptions(services);
        CleansePanel.current?.dispose();
        new CleansePanel(panel, services);
      },
    });
    return vscode.Disposable.from(serializer, history);
  }

  /** Shows a stored run record (e.g. from an "Open in panel" action on a report.json). */
  static showReport(services: Services, record: ReportRecord): CleansePanel {
    const panel = CleansePanel.createOrShow(services);
    panel.post(notification('report/loaded', { path: record.path, report: inlineReportImages(record.report, record.path) }));
    return panel;
  }

  /** Opens the panel with the demo's model, images, labeled folder and trigger filled in. */
  static showDemo(services: Services, demo: DemoSetupResult): CleansePanel {
    const panel = CleansePanel.createOrShow(services);
    panel.post(notification('form/prefill', { model: demo.model, data: demo.data, evalData: demo.evalData, trigger: demo.trigger }));
    return panel;
  }

  private static historyFor(services: Services): JobHistory {
    if (!CleansePanel.history) {
      CleansePanel.history = new JobHistory(services.runner);
      services.context.subscriptions.push({ dispose: () => (CleansePanel.history = undefined) });
    }
    return CleansePanel.history;
  }

  private static webviewOptions(services: Services): vscode.WebviewPanelOptions & vscode.WebviewOptions {
    const root = services.context.extensionUri;
    return {
      enableScripts: true,
      // Only the bundle and the stylesheet/icon: nothing else of the extension or the disk.
      localResourceRoots: [vscode.Uri.joinPath(root, 'dist'), vscode.Uri.joinPath(root, 'media')],
      // A hidden panel keeps listening: a run's events would be lost while its webview is torn down.
      retainContextWhenHidden: true,
    };
  }

  private constructor(
    private readonly panel: vscode.WebviewPanel,
    private readonly services: Services,
  ) {
    CleansePanel.current = this;
    CleansePanel.historyFor(services);
    const root = services.context.extensionUri;
    const webview = panel.webview;
    panel.iconPath = vscode.Uri.joinPath(root, 'media', 'panel-icon.svg');
    webview.html = panelHtml({
      cspSource: webview.cspSource,
      nonce: makeNonce((size) => crypto.randomBytes(size)),
      scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(root, 'dist', 'webview.js')).toString(),
      styleUri: webview.asWebviewUri(vscode.Uri.joinPath(root, 'media', 'panel.css')).toString(),
    });
    this.disposables.push(
      webview.onDidReceiveMessage((message: unknown) => {
        if (!isPanelCommand(message)) return;
        Promise.resolve(dispatchCommand(message, this.handlers)).catch((error: unknown) => this.reportError(message.method, error));
      }),
      panel.onDidDispose(() => this.dispose()),
      services.runner.onDidStart((job) => {
        if (!isPanelRunKind(job.spec.kind)) return;
        this.forward(job);
        this.post(notification('job/started', { jobId: job.id, spec: job.spec, queued: false }));
      }),
      services.runner.onDidEnd(({ job, ok, error }) => {
        if (!isPanelRunKind(job.spec.kind)) return;
        this.forwarding.get(job.id)?.dispose();
        this.forwarding.delete(job.id);
        if (!ok) {
          this.post(notification('job/ended', { jobId: job.id, ok: false, error: error ?? { kind: 'internal', message: 'the job failed' } }));
          return;
        }
        // The runner settles `result` before it fires onDidEnd, so this resolves at once.
        job.result.then(
          (result) => this.post(notification('job/ended', { jobId: job.id, ok: true, result })),
          (failure: unknown) => this.post(notification('job/ended', { jobId: job.id, ok: false, error: { kind: 'internal', message: messageOf(failure) } })),
        );
      }),
    );
  }

  private readonly handlers: PanelCommandHandlers = {
    'panel/ready': () => {
      this.ready = true;
      const current = this.services.runner.current;
      const job = current && isPanelRunKind(current.spec.kind) ? current : undefined;
      if (job) this.forward(job);
      this.post(
        notification('state/init', {
          protocol: PANEL_PROTOCOL_VERSION,
          defaults: this.defaults(),
          methods: [...DEFENSE_METHODS],
          backends: BACKENDS,
          job: job ? { jobId: job.id, spec: job.spec, queued: false, history: (CleansePanel.history?.historyOf(job.id) ?? []).map((event) => inlineEventImages(event)) } : null,
        }),
      );
      for (const message of this.outbox.splice(0)) void this.panel.webview.postMessage(message);
    },
    'pick/model': (params) => this.pick('model', params.current),
    'pick/data': (params) => this.pick('data', params.current),
    'pick/evalData': (params) => this.pick('evalData', params.current),
    'pick/trigger': (params) => this.pick('trigger', params.current),
    'job/start': (params) => this.start(params.spec),
    'job/cancel': ({ jobId }) => {
      const runner = this.services.runner;
      const job = runner.current?.id === jobId ? runner.current : runner.queued.find((j) => j.id === jobId);
      job?.cancel();
    },
    'open/model': ({ path: file }) => this.openFile(file),
    'open/report': ({ path: file }) => this.openFile(file),
    inspect: ({ model, data, limit }) => this.inspect(model, data, limit),
    'inspect/cancel': () => {
      // The webview already shows the schedule without the scan: drop the answer, then stop the job.
      const job = this.pendingInspect;
      this.pendingInspect = undefined;
      job?.cancel();
    },
    'report/load': ({ path: file }) => this.loadReport(file),
  };

  private defaults(): PanelDefaults {
    return panelDefaults(this.services.config());
  }

  private async pick(field: PickField, current: string | undefined): Promise<void> {
    const spec = PICK_DIALOGS[field];
    const uris = await vscode.window.showOpenDialog({
      title: spec.title,
      openLabel: spec.openLabel,
      canSelectFiles: spec.canSelectFiles,
      canSelectFolders: spec.canSelectFolders,
      canSelectMany: false,
      filters: spec.filters,
      defaultUri: this.dialogStart(current),
    });
    this.post(notification('picked', { field, path: uris?.[0]?.fsPath }));
  }

  /** Dialogs open where the current value is, else in the first workspace folder. */
  private dialogStart(current: string | undefined): vscode.Uri | undefined {
    if (current && path.isAbsolute(current)) {
      const existing = fs.existsSync(current) ? current : path.dirname(current);
      if (fs.existsSync(existing)) return vscode.Uri.file(existing);
    }
    return vscode.workspace.workspaceFolders?.[0]?.uri;
  }

  private start(request: JobRequest): void {
    const choice = jobSpecFrom(this.services.config(), request, {
      absolute: (file) => this.absolute(file),
      workspaceFolderOf: (file) => this.workspaceFolderOf(file),
      exists: (folder) => fs.existsSync(folder),
    });
    if (!choice.ok) {
      void vscode.window.showErrorMessage(`Backdoor Cleanse: ${choice.message}`);
      return;
    }
    const spec = choice.spec;
    const job = this.services.runner.start(spec);
    if (this.services.runner.current !== job) {
      // Waiting behind another job: show it as queued until onDidStart says it runs.
      this.post(notification('job/started', { jobId: job.id, spec, queued: true }));
    }
    // A cleanse the data check stopped: the user confirms (or not) going on with milder settings.
    if (spec.kind !== 'cleanse' && spec.kind !== 'defend') return;
    job.result.catch(async (error: unknown) => {
      if (spec.params.acceptDataWarning || !(await acceptsDataWarning(error))) return;
      this.start({ kind: spec.kind, params: { ...spec.params, acceptDataWarning: true } } as JobRequest);
    });
  }

  private workspaceFolderOf(file: string): string | undefined {
    return (vscode.workspace.getWorkspaceFolder(vscode.Uri.file(file)) ?? vscode.workspace.workspaceFolders?.[0])?.uri.fsPath;
  }

  /** Relative paths typed in the panel are relative to the first workspace folder. */
  private absolute(file: string): string {
    const trimmed = file.trim();
    if (path.isAbsolute(trimmed)) return trimmed;
    const base = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? process.cwd();
    return path.resolve(base, trimmed);
  }

  private inspect(model: string, data?: string, limit?: number): void {
    // Only the newest model matters: drop an inspect still waiting or running for an older one.
    this.pendingInspect?.cancel();
    const params: InspectParams = { model: this.absolute(model) };
    if (data && data.trim() !== '') params.data = this.absolute(data);
    if (params.data && typeof limit === 'number' && Number.isInteger(limit) && limit > 0) params.limit = limit;
    const job = this.services.runner.start({ kind: 'inspect', params });
    this.pendingInspect = job;
    // The suspect scan's progress (class k of K): the schedule shows where the check is.
    const progress = job.onEvent((event) => {
      if (event.type === 'progress' && event.phase === 'scan' && this.pendingInspect === job) this.post(notification('inspect/progress', { model, progress: event }));
    });
    void job.result.finally(() => progress.dispose()).catch(() => undefined);
    job.result.then(
      (result) => {
        if (this.pendingInspect === job) this.pendingInspect = undefined;
        // Echo the path as the webview sent it: it matches answers to requests by that string.
        if ('layers' in result) this.post(notification('inspect/result', { model, result: result as InspectResult }));
        else this.post(notification('inspect/result', { model, error: 'the inspect job returned no layers' }));
      },
      (failure: unknown) => {
        if (this.pendingInspect !== job) return; // superseded by a newer request
        this.pendingInspect = undefined;
        this.post(notification('inspect/result', { model, error: messageOf(failure) }));
      },
    );
  }

  private async loadReport(file: string): Promise<void> {
    const reportPath = fs.existsSync(file) && fs.statSync(file).isDirectory() ? path.join(file, 'report.json') : file;
    if (!fs.existsSync(reportPath)) return; // the run left no record (cancelled, failed, or killed by a reload)
    const record = await this.services.reports.add(reportPath);
    if (record) this.post(notification('report/loaded', { path: record.path, report: inlineReportImages(record.report, record.path) }));
  }

  private async openFile(file: string): Promise<void> {
    const uri = vscode.Uri.file(file);
    const target = fs.existsSync(file) && fs.statSync(file).isDirectory() ? vscode.Uri.joinPath(uri, 'model.json') : uri;
    await vscode.window.showTextDocument(target, { preview: false, viewColumn: vscode.ViewColumn.One });
  }

  /** Subscribes once to a run's engine events, forwarding them to the webview (report images inlined). */
  private forward(job: RunningJob): void {
    if (this.forwarding.has(job.id)) return;
    this.forwarding.set(
      job.id,
      job.onEvent((event) => {
        // Before 'panel/ready' the webview can't hear them; state/init's history covers them.
        if (this.ready) void this.panel.webview.postMessage(notification('job/event', { jobId: job.id, event: inlineEventImages(event) }));
      }),
    );
  }

  private post(message: PanelNotification): void {
    if (!this.ready) {
      if (message.method === 'report/loaded' || message.method === 'picked' || message.method === 'form/prefill') this.outbox.push(message);
      return;
    }
    void this.panel.webview.postMessage(message);
  }

  private reportError(method: string, error: unknown): void {
    this.services.output.appendLine(`[panel] ${method} failed: ${messageOf(error)}`);
    void vscode.window.showErrorMessage(`Backdoor Cleanse: ${messageOf(error)}`);
  }

  dispose(): void {
    if (CleansePanel.current === this) CleansePanel.current = undefined;
    this.pendingInspect?.cancel();
    for (const subscription of this.forwarding.values()) subscription.dispose();
    this.forwarding.clear();
    for (const disposable of this.disposables.splice(0)) disposable.dispose();
    this.panel.dispose();
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
