/**
 * Workspace trust: in an untrusted workspace jobs do not run (a crafted model or image could
 * exploit the decoders or tfjs), but reading reports and showing annotations still works.
 */
import * as vscode from 'vscode';

export const UNTRUSTED_MESSAGE =
  'Backdoor Cleanse does not run jobs in an untrusted workspace: a crafted model or image file could exploit the engine. ' +
  'Trust this workspace to cleanse, evaluate or inspect models; reports and annotations work either way.';

/** Why jobs may not run now, or undefined. */
export function jobRefusal(): string | undefined {
  return vscode.workspace.isTrusted ? undefined : UNTRUSTED_MESSAGE;
}

/** For commands: says why and returns false when jobs may not run. */
export function ensureTrusted(): boolean {
  if (vscode.workspace.isTrusted) return true;
  void vscode.window.showWarningMessage(UNTRUSTED_MESSAGE, 'Manage Workspace Trust').then((choice) => {
    if (choice) void vscode.commands.executeCommand('workbench.trust.manage');
  });
  return false;
}
