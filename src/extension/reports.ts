/**
 * The ReportStore: every report.json of this tool in the workspace (found by search, kept current
 * by file watchers), plus reports outside it that this extension wrote or was told about
 * (remembered in workspaceState), so annotations come back when the workspace reopens.
 */
import { existsSync, promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { ReportIndex, parseReport, pathKey } from './reportIndex';
import type { ReportRecord, ReportStore } from './services';
import { STAGING_FOLDER_NAME } from '../shared/stagingFolder';

const REMEMBERED_KEY = 'backdoorCleanse.reportsOutsideWorkspace';
const REPORT_GLOB = '**/report.json';
const SEARCH_EXCLUDE = '{**/node_modules/**,**/.git/**}';
/** Coalesces bursts of file events (a job writes several files) into one change event. */
const CHANGE_DELAY_MS = 100;
/** How long after the last new folder its contents are searched for reports. */
const FOLDER_SETTLE_MS = 500;

export class WorkspaceReportStore implements ReportStore, vscode.Disposable {
  private readonly index = new ReportIndex();
  private readonly changeEmitter = new vscode.EventEmitter<void>();
  private readonly disposables: vscode.Disposable[] = [this.changeEmitter];
  private changeTimer: NodeJS.Timeout | undefined;
  private folderTimer: NodeJS.Timeout | undefined;
  private readonly createdFolders = new Set<string>();
  /** Counts forgets: a read that overlapped one re-checks that its file still exists. */
  private deletions = 0;
  readonly onDidChange = this.changeEmitter.event;
  /** Resolves when the first scan is complete. */
  readonly ready: Promise<void>;

  constructor(private readonly memento: vscode.Memento, private readonly log: (line: string) => void) {
    const reports = vscode.workspace.createFileSystemWatcher(REPORT_GLOB);
    reports.onDidCreate((uri) => void this.read(uri.fsPath), undefined, this.disposables);
    reports.onDidChange((uri) => void this.read(uri.fsPath), undefined, this.disposables);
    reports.onDidDelete((uri) => this.forget(uri.fsPath), undefined, this.disposables);
    // Folders come and go with their report.json inside (the engine renames its staging folder into
    // place; users delete output folders) and the watcher may report only the folder itself.
    const folders = vscode.workspace.createFileSystemWatcher('**/*', false, true, false);
    folders.onDidCreate((uri) => this.folderCreated(uri.fsPath), undefined, this.disposables);
    folders.onDidDelete(
      (uri) => {
        this.deletions++;
        if (this.index.deleteUnder(uri.fsPath)) this.changed();
      },
      undefined,
      this.disposables,
    );
    this.disposables.push(reports, folders);
    vscode.workspace.onDidChangeWorkspaceFolders(() => void this.scan(), undefined, this.disposables);
    this.ready = this.scan();
  }

  latestFor(modelPath: string): ReportRecord | undefined {
    this.pruneMissing();
    return this.index.latestFor(modelPath);
  }

  latestOfKind(modelPath: string, kind: ReportRecord['report']['kind']): ReportRecord | undefined {
    this.pruneMissing();
    return this.index.latestOfKind(modelPath, kind);
  }

  producerOf(modelPath: string): ReportRecord | undefined {
    this.pruneMissing();
    return this.index.producerOf(modelPath);
  }

  latest(): ReportRecord | undefined {
    this.pruneMissing();
    return this.index.latest();
  }

  all(): readonly ReportRecord[] {
    this.pruneMissing();
    return this.index.all();
  }

  async add(reportPath: string): Promise<ReportRecord | undefined> {
    const record = await this.read(reportPath);
    if (record && !isInWorkspace(record.path)) {
      const remembered = this.remembered();
      if (!remembered.some((p) => pathKey(p) === pathKey(record.path))) await this.memento.update(REMEMBERED_KEY, [...remembered, record.path]);
    }
    return record;
  }

  dispose(): void {
    clearTimeout(this.changeTimer);
    clearTimeout(this.folderTimer);
    vscode.Disposable.from(...this.disposables).dispose();
  }

  private async scan(): Promise<void> {
    const found = await vscode.workspace.findFiles(REPORT_GLOB, SEARCH_EXCLUDE);
    const paths = [...found.map((uri) => uri.fsPath), ...this.remembered()];
    await Promise.all(paths.map((p) => this.read(p)));
    // Forget remembered reports that are gone, so the list does not grow forever.
    const kept = this.remembered().filter((p) => this.index.all().some((r) => pathKey(r.path) === pathKey(p)));
    if (kept.length !== this.remembered().length) await this.memento.update(REMEMBERED_KEY, kept);
    this.log(`found ${this.index.all().length} report(s)`);
  }

  /** `quiet`: a probe for a file that may not exist (a missing file then changes nothing). */
  private async read(reportPath: string, options: { quiet?: boolean } = {}): Promise<ReportRecord | undefined> {
    if (isStagingPath(reportPath)) return undefined; // a job's hidden output, renamed into place when done
    let text: string;
    const deletionsBefore = this.deletions;
    try {
      text = await fs.readFile(reportPath, 'utf8');
    } catch {
      if (!options.quiet) this.forget(reportPath);
      return undefined;
    }
    // A delete that arrived while the file was being read must not be undone by this read.
    if (this.deletions !== deletionsBefore && !existsSync(reportPath)) return undefined;
    const report = parseReport(text);
    if (!report) {
      // Another tool's report.json, or one being written: not ours (yet).
      this.forget(reportPath);
      return undefined;
    }
    const record = this.index.set(reportPath, report);
    this.changed();
    return record;
  }

  /**
   * A new folder may hold reports the file watcher never reported: a renamed output folder, or
   * files written into folders created a moment before (inotify watches new folders late).
   * Read `<folder>/report.json` at once, then search the folder when the burst has settled.
   */
  private folderCreated(folder: string): void {
    if (/[\\/](node_modules|\.git)([\\/]|$)/.test(folder)) return;
    void fs.stat(folder).then(
      async (stat) => {
        if (!stat.isDirectory()) return;
        await this.read(path.join(folder, 'report.json'), { quiet: true });
        this.createdFolders.add(folder);
        clearTimeout(this.folderTimer);
        this.folderTimer = setTimeout(() => void this.searchCreatedFolders(), FOLDER_SETTLE_MS);
      },
      () => undefined,
    );
  }

  private async searchCreatedFolders(): Promise<void> {
    const folders = [...this.createdFolders];
    this.createdFolders.clear();
    // Searching a folder covers the folders inside it.
    const roots = folders.filter((f) => !folders.some((other) => other !== f && f.startsWith(other + path.sep)));
    for (const folder of roots) {
      const found = await vscode.workspace.findFiles(new vscode.RelativePattern(vscode.Uri.file(folder), REPORT_GLOB), SEARCH_EXCLUDE, 200);
      await Promise.all(found.map((uri) => this.read(uri.fsPath)));
    }
  }

  private forget(reportPath: string): void {
    this.deletions++;
    if (this.index.delete(reportPath)) this.changed();
  }

  /**
   * Drops records whose file is gone. File watchers can lose or reorder a delete under load, so
   * the store checks (a stat per record, on lookup) rather than trusting the events alone.
   */
  private pruneMissing(): void {
    let removed = false;
    for (const record of this.index.all()) {
      if (!existsSync(record.path)) removed = this.index.delete(record.path) || removed;
    }
    if (removed) this.changed();
  }

  private remembered(): string[] {
    return this.memento.get<string[]>(REMEMBERED_KEY, []);
  }

  private changed(): void {
    clearTimeout(this.changeTimer);
    this.changeTimer = setTimeout(() => this.changeEmitter.fire(), CHANGE_DELAY_MS);
  }
}

function isStagingPath(file: string): boolean {
  return file.split(/[\\/]/).some((segment) => STAGING_FOLDER_NAME.test(segment));
}

function isInWorkspace(file: string): boolean {
  return (vscode.workspace.workspaceFolders ?? []).some((folder) => {
    const rel = path.relative(folder.uri.fsPath, file);
    return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
  });
}
