/**
 * ExtensionConfig mirrors `contributes.configuration` (section "backdoorCleanse") one to one.
 * Reading goes through a tiny `get` interface so this file needs no `vscode` at run time.
 */
import type { BackendChoice } from '../shared/protocol';

export const CONFIG_SECTION = 'backdoorCleanse';

export interface ExtensionConfig {
  /** Distillation epochs of a cleanse (`bcu cleanse --epochs`). Default 10. */
  epochs: number;
  /** Images per training step (`--batch`). Default 128 (the engine's); lower it when memory is short. */
  batch: number;
  /** Learning rate of the student (`--lr`). Default 0.01. */
  learningRate: number;
  /** Random seed for re-initialization, shuffling and augmentation (`--seed`). Default 0. */
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
}

export const DEFAULT_CONFIG: Readonly<ExtensionConfig> = {
  epochs: 10,
  batch: 128,
  learningRate: 0.01,
  seed: 0,
  backend: 'auto',
  nodePath: '',
  outputFolder: '${modelDir}-cleansed',
  limit: 0,
};

const BACKENDS: readonly BackendChoice[] = ['auto', 'tensorflow', 'wasm', 'cpu'];

/** The part of vscode.WorkspaceConfiguration this file uses. */
export interface ConfigSource {
  get<T>(key: string): T | undefined;
}

/** Reads every setting, falling back to the default for missing or out-of-range values. */
export function readExtensionConfig(source: ConfigSource): ExtensionConfig {
  const positiveInt = (key: keyof ExtensionConfig, min: number): number => {
    const value = source.get<number>(key);
    return typeof value === 'number' && Number.isFinite(value) && value >= min ? Math.floor(value) : (DEFAULT_CONFIG[key] as number);
  };
  const text = (key: keyof ExtensionConfig): string => {
    const value = source.get<string>(key);
    return typeof value === 'string' ? value.trim() : (DEFAULT_CONFIG[key] as string);
  };
  const lr = source.get<number>('learningRate');
  const backend = source.get<string>('backend') as BackendChoice | undefined;
  return {
    epochs: positiveInt('epochs', 1),
    batch: positiveInt('batch', 1),
    learningRate: typeof lr === 'number' && Number.isFinite(lr) && lr > 0 ? lr : DEFAULT_CONFIG.learningRate,
    seed: positiveInt('seed', 0),
    backend: backend && BACKENDS.includes(backend) ? backend : DEFAULT_CONFIG.backend,
    nodePath: text('nodePath'),
    outputFolder: text('outputFolder') || DEFAULT_CONFIG.outputFolder,
    limit: positiveInt('limit', 0),
  };
}
