/**
 * The one place the host turns a request into the job it runs, for the palette commands and the
 * panel alike: settings the request leaves out come from the configuration, paths are made
 * absolute, and an empty output folder becomes the `outputFolder` pattern expanded for the model
 * (with -2, -3... while it exists). 'bcu' is a cleanse job; every other defense a defend job with
 * the same paths and settings. Pure (the host passes how paths resolve and whether a folder
 * exists), so both callers' choices are unit-tested without VS Code.
 */
import type { PanelDefaults } from '../shared/panelMessages';
import { DEFENSE_NEEDS, type CleanseParams, type DefendParams, type DefenseMethodId, type JobSpec } from '../shared/protocol';
import type { ExtensionConfig } from './config';
import { expandOutputFolder, outputFolderProblem, uniqueFolder } from './outputFolder';

/** What the caller knows: the palette's arguments and pickers, or the panel's form (a JobSpec it sends). */
export type JobRequest =
  | { kind: 'cleanse'; params: Partial<CleanseParams> }
  | { kind: 'defend'; params: Partial<DefendParams> };

export interface JobPlaces {
  /** A path the user gave, made absolute (the panel: relative to the first workspace folder). */
  absolute(file: string): string;
  /** The workspace folder of a file, for ${workspaceFolder} in the output pattern. */
  workspaceFolderOf(file: string): string | undefined;
  exists(folder: string): boolean;
}

export type JobChoice = { ok: true; spec: JobSpec } | { ok: false; message: string };

const filled = (value: unknown): value is string => typeof value === 'string' && value.trim() !== '';

/** Where a run writes when the user names no folder: the configured pattern, never an existing folder. */
export function defaultOutputFolder(config: ExtensionConfig, model: string, places: JobPlaces): string {
  return uniqueFolder(expandOutputFolder(config.outputFolder, { modelPath: model, workspaceFolder: places.workspaceFolderOf(model) }), places.exists);
}

/** The settings the panel's form starts from: the configuration's. */
export function panelDefaults(config: ExtensionConfig): PanelDefaults {
  return { epochs: config.epochs, batch: config.batch, lr: config.learningRate, seed: config.seed, backend: config.backend, limit: config.limit > 0 ? config.limit : null };
}

/** `request` may come from the webview (postMessage is untyped): it is checked, not trusted. */
export function jobSpecFrom(config: ExtensionConfig, request: JobRequest, places: JobPlaces): JobChoice {
  const kind: unknown = (request as { kind?: unknown } | null)?.kind;
  const requested = ((request as { params?: unknown } | null)?.params ?? {}) as Partial<DefendParams & CleanseParams>;
  if (kind !== 'cleanse' && kind !== 'defend') return { ok: false, message: `unknown job "${String(kind)}".` };
  const method: DefenseMethodId = kind === 'cleanse' ? 'bcu' : (requested.method as DefenseMethodId);
  // Only the protocol's own names are accepted ('__proto__' is not a defense).
  if (!Object.prototype.hasOwnProperty.call(DEFENSE_NEEDS, method)) return { ok: false, message: `unknown defense "${String(method)}".` };
  const needs = DEFENSE_NEEDS[method];
  if (!filled(requested.model)) return { ok: false, message: 'choose a model first.' };
  if (needs !== 'data-free' && !filled(requested.data)) {
    return { ok: false, message: needs === 'labeled' ? `${method.toUpperCase()} needs a folder of labeled images.` : 'choose a model and a data folder first.' };
  }
  const model = places.absolute(requested.model);
  const { data, limit, ...rest } = requested;
  const common = {
    ...rest,
    epochs: requested.epochs ?? config.epochs,
    batch: requested.batch ?? config.batch,
    lr: requested.lr ?? config.learningRate,
    seed: requested.seed ?? config.seed,
    backend: requested.backend ?? config.backend,
    model,
    out: filled(requested.out) ? places.absolute(requested.out) : defaultOutputFolder(config, model, places),
    // 0 or nothing: every image (the configuration's 0 means the same).
    ...((limit ?? config.limit) > 0 ? { limit: limit ?? config.limit } : {}),
  };
  if (filled(requested.evalData)) common.evalData = places.absolute(requested.evalData);
  if (filled(requested.trigger)) common.trigger = places.absolute(requested.trigger);
  // The engine refuses such a folder too; saying so here spares a worker start and names the input.
  const dataPath = filled(data) && needs !== 'data-free' ? places.absolute(data) : undefined;
  const problem = outputFolderProblem({ out: common.out, model, data: dataPath, evalData: common.evalData, trigger: common.trigger }, places.workspaceFolderOf(model));
  if (problem !== null) return { ok: false, message: problem };
  if (kind === 'cleanse') {
    const { method: _method, ...params } = common;
    return { ok: true, spec: { kind: 'cleanse', params: { ...params, data: places.absolute(data as string) } as CleanseParams } };
  }
  // The schedule's ratios are BCU's; the other defenses do not re-initialize.
  const { ratios, ...defend } = common;
  const params: DefendParams = { ...defend, method, ...(method === 'bcu' && ratios !== undefined ? { ratios } : {}) };
  if (filled(data)) params.data = places.absolute(data);
  return { ok: true, spec: { kind: 'defend', params } };
}
