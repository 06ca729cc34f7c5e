/**
 * The cleanse panel lives in ./panel (its own owner). It is loaded through a guarded require so the
 * extension still builds and runs (without the panel) while that folder is incomplete: esbuild
 * bundles the module when it exists and leaves an optional require when it does not.
 */
import type * as vscode from 'vscode';
import type { Services } from './services';

export interface PanelModule {
  CleansePanel: {
    createOrShow(services: Services): unknown;
    registerSerializer(services: Services): vscode.Disposable;
  };
}

export function loadPanelModule(): PanelModule | undefined {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require('./panel/cleansePanel') as PanelModule;
  } catch {
    return undefined;
  }
}
