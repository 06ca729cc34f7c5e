/**
 * The job the panel's Start runs: 'bcu' stays a cleanse job, every other method becomes a defend
 * job (`bcu defend --method ...`) with the same paths and settings. Pure (paths are resolved by
 * the functions passed in), so the host's choice is unit-tested without VS Code.
 */
import { DEFENSE_NEEDS, type CleanseParams, type DefendParams, type JobSpec } from '../../shared/protocol';
import type { DefenseMethod } from '../../shared/panelMessages';
import { outputFolderProblem } from '../outputFolder';

export interface PanelPaths {
  /** A path typed in the panel, made absolute (relative to the first workspace folder). */
  absolute(file: string): string;
  /** The output folder used when the user left it empty. */
  defaultOut(model: string): string;
  /** Where relative paths start (the first workspace folder): never an output folder itself. */
  workspaceFolder?: string;
}

export type PanelJobChoice = { ok: true; spec: JobSpec } | { ok: false; message: string };

const filled = (value: unknown): value is string => typeof value === 'string' && value.trim() !== '';

export function panelJobSpec(method: DefenseMethod, requested: CleanseParams, paths: PanelPaths): PanelJobChoice {
  // The method comes from the webview's message: only the protocol's own names are accepted.
  if (!Object.prototype.hasOwnProperty.call(DEFENSE_NEEDS, method)) return { ok: false, message: `unknown defense "${String(method)}".` };
  const needs = DEFENSE_NEEDS[method];
  if (!filled(requested.model)) return { ok: false, message: 'choose a model first.' };
  if (needs !== 'data-free' && !filled(requested.data)) {
    return { ok: false, message: needs === 'labeled' ? `${method.toUpperCase()} needs a folder of labeled images.` : 'choose a model and a data folder first.' };
  }
  const model = paths.absolute(requested.model);
  const common = {
    ...requested,
    model,
    out: filled(requested.out) ? paths.absolute(requested.out) : paths.defaultOut(model),
  };
  if (filled(requested.evalData)) common.evalData = paths.absolute(requested.evalData);
  if (filled(requested.trigger)) common.trigger = paths.absolute(requested.trigger);
  const data = filled(requested.data) && needs !== 'data-free' ? paths.absolute(requested.data) : undefined;
  const problem = outputFolderProblem({ out: common.out, model, data, evalData: common.evalData, trigger: common.trigger }, paths.workspaceFolder);
  if (problem !== null) return { ok: false, message: problem };
  if (method === 'bcu') return { ok: true, spec: { kind: 'cleanse', params: { ...common, data: paths.absolute(requested.data) } } };
  // The schedule's ratios are BCU's; the other defenses do not re-initialize.
  const { data: requestedData, ratios: _ratios, ...rest } = common;
  const params: DefendParams = { ...rest, method };
  if (filled(requestedData)) params.data = paths.absolute(requestedData);
  return { ok: true, spec: { kind: 'defend', params } };
}
