/**
 * The webview's side of the VS Code API: post typed commands to the host, save and restore state.
 * acquireVsCodeApi may be called once per page load, so this module holds the only handle.
 */
import { command, type PanelCommandMethod, type PanelCommandParams } from '../shared/panelMessages';

interface VsCodeWebviewApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}

declare function acquireVsCodeApi(): VsCodeWebviewApi;

export interface HostApi {
  send<M extends PanelCommandMethod>(method: M, params: PanelCommandParams[M]): void;
  savedState(): unknown;
  saveState(state: unknown): void;
}

export function connectToHost(): HostApi {
  const vscode = acquireVsCodeApi();
  return {
    send: (method, params) => vscode.postMessage(command(method, params)),
    savedState: () => vscode.getState(),
    saveState: (state) => vscode.setState(state),
  };
}
