/**
 * Asks for a file or folder: recent choices first (a quick pick with "Browse…"), else straight to
 * the native open dialog. The choice is remembered in globalState.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { RecentChoices, RecentKind } from '../recentChoices';

export interface PickPathOptions {
  kind: RecentKind;
  title: string;
  openLabel: string;
  folders: boolean;
  filters?: Record<string, string[]>;
  /** Extra first entries, e.g. "No trigger"; picking one resolves with its value. */
  extra?: { label: string; detail?: string; value: string }[];
}

const BROWSE = '$(folder-opened) Browse…';

export async function pickPath(recent: RecentChoices, options: PickPathOptions): Promise<string | undefined> {
  const recents = recent.get(options.kind).filter((p) => fs.existsSync(p));
  if (recents.length || options.extra?.length) {
    type Item = vscode.QuickPickItem & { value?: string };
    const items: Item[] = [
      ...(options.extra ?? []).map((e) => ({ label: e.label, detail: e.detail, value: e.value })),
      ...(recents.length ? [{ label: 'recent', kind: vscode.QuickPickItemKind.Separator }] : []),
      ...recents.map((p) => ({ label: path.basename(p) === 'model.json' ? path.basename(path.dirname(p)) + '/model.json' : path.basename(p), description: p, value: p })),
      { label: BROWSE },
    ];
    const choice = await vscode.window.showQuickPick<Item>(items, { title: options.title, placeHolder: 'Pick a recent choice or browse', ignoreFocusOut: true });
    if (!choice) return undefined;
    if (choice.value !== undefined) return remember(recent, options.kind, choice.value);
  }
  const uris = await vscode.window.showOpenDialog({
    title: options.title,
    openLabel: options.openLabel,
    canSelectFiles: !options.folders,
    canSelectFolders: options.folders,
    canSelectMany: false,
    filters: options.filters,
    defaultUri: vscode.workspace.workspaceFolders?.[0]?.uri,
  });
  const picked = uris?.[0]?.fsPath;
  return picked ? remember(recent, options.kind, picked) : undefined;
}

async function remember(recent: RecentChoices, kind: RecentKind, value: string): Promise<string> {
  if (value) await recent.remember(kind, value);
  return value;
}
