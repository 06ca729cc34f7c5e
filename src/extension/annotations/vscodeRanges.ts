/** Converts the pure builders' ranges to VS Code's. */
import * as vscode from 'vscode';
import type { TextRange } from './jsonLocations';

export function toRange(range: TextRange): vscode.Range {
  return new vscode.Range(range.start.line, range.start.character, range.end.line, range.end.character);
}
