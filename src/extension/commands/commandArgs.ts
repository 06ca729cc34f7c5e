/**
 * Command arguments arrive from many places: the explorer (uri, selectedUris), CodeLenses (uri),
 * other extensions and tests (path strings, option objects). These helpers read them safely.
 */
import * as vscode from 'vscode';

/** A file path from a Uri or string argument; undefined for anything else. */
export function pathArg(value: unknown): string | undefined {
  if (value instanceof vscode.Uri) return value.scheme === 'file' ? value.fsPath : undefined;
  if (typeof value === 'string' && value.trim()) return value.startsWith('file://') ? vscode.Uri.parse(value).fsPath : value;
  return undefined;
}

/** An options object (not a Uri, not the explorer's array of selected Uris). */
export function optionsArg<T extends object>(value: unknown): Partial<T> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof vscode.Uri) ? (value as Partial<T>) : {};
}

/** The workspace folder holding a file, if any. */
export function workspaceFolderOf(file: string): string | undefined {
  return vscode.workspace.getWorkspaceFolder(vscode.Uri.file(file))?.uri.fsPath;
}
