/** Recently chosen models, data folders and trigger specs, remembered across sessions (globalState). */
import type * as vscode from 'vscode';

export type RecentKind = 'model' | 'data' | 'labeledData' | 'trigger';

const MAX_RECENT = 8;

export class RecentChoices {
  constructor(private readonly state: vscode.Memento) {}

  get(kind: RecentKind): string[] {
    return this.state.get<string[]>(key(kind), []);
  }

  async remember(kind: RecentKind, value: string): Promise<void> {
    const next = [value, ...this.get(kind).filter((v) => v !== value)].slice(0, MAX_RECENT);
    await this.state.update(key(kind), next);
  }
}

function key(kind: RecentKind): string {
  return `backdoorCleanse.recent.${kind}`;
}
