/** "Backdoor Cleanse: Open Panel": the cleanse panel (src/extension/panel), restored after reloads. */
import * as vscode from 'vscode';
import { CleansePanel } from '../panel/cleansePanel';
import type { Services } from '../services';

export const OPEN_PANEL_COMMAND = 'backdoorCleanse.openPanel';

export function registerOpenPanel(services: Services): vscode.Disposable {
  return vscode.Disposable.from(
    CleansePanel.registerSerializer(services),
    vscode.commands.registerCommand(OPEN_PANEL_COMMAND, () => CleansePanel.createOrShow(services)),
  );
}
