/** "Backdoor Cleanse: Open Panel": the cleanse panel (src/extension/panel, loaded when present). */
import * as vscode from 'vscode';
import { loadPanelModule } from '../panelModule';
import type { Services } from '../services';

export const OPEN_PANEL_COMMAND = 'backdoorCleanse.openPanel';

export function registerOpenPanel(services: Services): vscode.Disposable {
  const panel = loadPanelModule();
  const serializer = panel?.CleansePanel.registerSerializer(services);
  const command = vscode.commands.registerCommand(OPEN_PANEL_COMMAND, () => {
    if (!panel) {
      void vscode.window.showErrorMessage('Backdoor Cleanse: the panel is not part of this build. Use the commands (Cleanse Model…, Evaluate Model…) instead.');
      return undefined;
    }
    return panel.CleansePanel.createOrShow(services);
  });
  return vscode.Disposable.from(command, ...(serializer ? [serializer] : []));
}
