/**
 * Backdoor Cleanse in VS Code: activate wires the job runner (a worker process per job), the report
 * store, the annotations, the status bar, the commands and the panel. The host runs no tensors.
 */
import * as vscode from 'vscode';
import { registerAnnotations, type Annotations } from './annotations/registerAnnotations';
import { registerCancelJob } from './commands/cancelJob';
import { registerCleanseModel } from './commands/cleanseModel';
import { registerEvaluateModel } from './commands/evaluateModel';
import { registerInspectModel } from './commands/inspectModel';
import { registerOpenPanel } from './commands/openPanel';
import { registerOpenReport } from './commands/openReport';
import { registerShowLog } from './commands/showLog';
import { registerTryDemo } from './commands/tryDemo';
import { registerCompareRuns } from './commands/compareRuns';
import { registerExportRunMarkdown } from './commands/exportRunMarkdown';
import { registerOpenRunInPanel } from './commands/openRunInPanel';
import { RUNS_VIEW_ID, RunsTreeProvider } from './runs/runsTreeProvider';
import { CONFIG_SECTION, readExtensionConfig } from './config';
import { presentJobs } from './jobPresentation';
import { JobRunner } from './jobRunner';
import { WorkspaceReportStore } from './reports';
import type { Services } from './services';
import { JobStatusBar } from './statusBar';
import { jobRefusal } from './trust';
import type { WorkerLaunch } from './workerProcess';

/** What activate() returns: the services (for other extensions and the integration tests). */
export interface BackdoorCleanseApi {
  services: Services;
  /** Test hooks: run jobs with another worker script (e.g. a fake), wait for annotations. */
  testing: {
    setWorker(launch: WorkerLaunch | undefined): void;
    annotations: Annotations;
    reportsReady: Promise<void>;
    statusBar: JobStatusBar;
  };
}

export function activate(context: vscode.ExtensionContext): BackdoorCleanseApi {
  const output = vscode.window.createOutputChannel('Backdoor Cleanse');
  const config = () => readExtensionConfig(vscode.workspace.getConfiguration(CONFIG_SECTION));
  let workerOverride: WorkerLaunch | undefined;
  const runner = new JobRunner({
    launch: () =>
      workerOverride ?? {
        script: context.asAbsolutePath('dist/worker.js'),
        nodePath: config().nodePath || undefined,
        // The worker resolves @tensorflow/* and pngjs from the extension's node_modules.
        cwd: context.extensionPath,
      },
    log: (text) => output.append(text),
    refusal: jobRefusal,
  });
  const reports = new WorkspaceReportStore(context.workspaceState, (line) => output.appendLine(line));
  const services: Services = { context, runner, config, output, reports };

  // Whoever started a cleanse (command or panel), its record shows up at once, even outside the workspace.
  runner.onDidEnd(({ job, ok }) => {
    if (!ok) return;
    void job.result.then(async (result) => {
      if ('report' in result && typeof result.report === 'string' && result.report) await reports.add(result.report);
    });
  });

  // Drives the "Cancel Running Job" entry in the command palette.
  const setRunning = () => void vscode.commands.executeCommand('setContext', 'backdoorCleanse.jobRunning', runner.current !== undefined);
  runner.onDidStart(setRunning);
  runner.onDidEnd(setRunning);

  const annotations = registerAnnotations(reports);
  const statusBar = new JobStatusBar(runner);
  context.subscriptions.push(
    output,
    { dispose: () => runner.dispose() },
    reports,
    annotations,
    statusBar,
    presentJobs(runner, output),
    registerOpenPanel(services),
    registerCleanseModel(services),
    registerEvaluateModel(services),
    registerInspectModel(services),
    registerCancelJob(services),
    registerOpenReport(services),
    registerShowLog(services),
    registerTryDemo(services),
    registerRunsView(services),
  );

  return {
    services,
    testing: {
      setWorker: (launch) => (workerOverride = launch),
      annotations,
      reportsReady: reports.ready,
      statusBar,
    },
  };
}

/** The Runs view and its commands (open in the panel, compare two, export as Markdown). */
function registerRunsView(services: Services): vscode.Disposable {
  const provider = new RunsTreeProvider(services.reports);
  return vscode.Disposable.from(
    provider,
    vscode.window.createTreeView(RUNS_VIEW_ID, { treeDataProvider: provider, canSelectMany: true, showCollapseAll: false }),
    registerOpenRunInPanel(services),
    registerCompareRuns(services),
    registerExportRunMarkdown(services),
  );
}

export function deactivate(): void {
  // Everything (the worker included) is disposed through context.subscriptions.
}
