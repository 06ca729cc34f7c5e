/**
 * ExtensionConfig mirrors `contributes.configuration` (section "backdoorCleanse") one to one; the
 * settings a job takes have their defaults and ranges in the settings table (src/shared/settings.ts,
 * column `config`), which a unit test holds package.json to. Reading goes through a tiny `get`
 * interface so this file needs no `vscode` at run time.
 */
import type { BackendChoice } from '../shared/protocol';
import { settingDefault, settingProblem, settingRow } from '../shared/settings';

export const CONFIG_SECTION = 'backdoorCleanse';

export interface ExtensionConfig {
  /** Distillation epochs of a cleanse (`bcu cleanse --epochs`). */
  epochs: number;
  /** Images per training step (`--batch`); lower it when memory is short. */
  batch: number;
  /** Learning rate of the student (`--lr`). */
  learningRate: number;
  /** Random seed for re-initialization, shuffling and augmentation (`--seed`). */
  seed: number;
  /**
   * tfjs backend (`--backend`): 'auto' picks tensorflow (tfjs-node) > wasm > cpu. On a Remote-SSH
   * GPU host, install @tensorflow/tfjs-node-gpu for the Node named by `nodePath` and pick 'tensorflow'.
   */
  backend: BackendChoice;
  /**
   * Node binary that runs the worker. Empty: the editor's own runtime. Set it to a Node that has
   * @tensorflow/tfjs-node(-gpu) installed for native speed.
   */
  nodePath: string;
  /**
   * Where a cleanse writes its model and report.json. Variables: ${modelDir} (the model's folder),
   * ${modelDirName} (its name), ${workspaceFolder}. A numeric suffix is added when it exists.
   */
  outputFolder: string;
  /** Use at most this many images of the data folder (0: all). */
  limit: number;
  /** Also list layers that are only informational (re-initialized, drift) in Problems; by default only warned layers go there. */
  'problems.showInformation': boolean;
}

/** The value of a cleanse setting the configuration mirrors: its row in the settings table. */
const row = (key: 'epochs' | 'batch' | 'lr' | 'seed' | 'backend' | 'limit') => settingRow('cleanse', key);

/** Defaults: the settings table's, and for the extension's own settings, these. */
export const DEFAULT_CONFIG: Readonly<ExtensionConfig> = {
  epochs: settingDefault('cleanse', 'epochs'),
  batch: settingDefault('cleanse', 'batch'),
  learningRate: settingDefault('cleanse', 'lr'),
  seed: settingDefault('cleanse', 'seed'),
  backend: settingDefault('cleanse', 'backend'),
  nodePath: '',
  outputFolder: '${modelDir}-cleansed',
  /** 0: every image (the engine's absent --limit). */
  limit: 0,
  'problems.showInformation': false,
};

/** The part of vscode.WorkspaceConfiguration this file uses. */
export interface ConfigSource {
  get<T>(key: string): T | undefined;
}

/** Reads every setting, falling back to the default for missing values or values outside the settings table's range. */
export function readExtensionConfig(source: ConfigSource): ExtensionConfig {
  // Whole-number settings take the integer part, as VS Code's own editor does for a typed 32.7.
  const fromTable = <T>(configKey: keyof ExtensionConfig, settingKey: Parameters<typeof row>[0]): T => {
    const setting = row(settingKey);
    const raw = source.get<unknown>(configKey);
    const value = setting.type === 'int' && typeof raw === 'number' ? Math.floor(raw) : raw;
    return (value !== undefined && settingProblem(setting, value) === undefined ? value : DEFAULT_CONFIG[configKey]) as T;
  };
  const text = (key: keyof ExtensionConfig): string => {
    const value = source.get<string>(key);
    return typeof value === 'string' ? value.trim() : (DEFAULT_CONFIG[key] as string);
  };
  return {
    epochs: fromTable('epochs', 'epochs'),
    batch: fromTable('batch', 'batch'),
    learningRate: fromTable('learningRate', 'lr'),
    seed: fromTable('seed', 'seed'),
    backend: fromTable('backend', 'backend'),
    nodePath: text('nodePath'),
    outputFolder: text('outputFolder') || DEFAULT_CONFIG.outputFolder,
    limit: fromTable('limit', 'limit'),
    'problems.showInformation': source.get<unknown>('problems.showInformation') === true,
  };
}
