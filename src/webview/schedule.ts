/**
 * The editable re-initialization schedule: the layers an inspect job reported, their default
 * ratios, and the user's edits, turned into CleanseParams.ratios ({layerName: ratio}, only the
 * layers whose ratio differs from the default, so the engine's schedule stays the source of truth).
 */
import type { InspectLayer } from '../shared/protocol';
import type { ScheduleState } from './state';

export type RatioParse = { ok: true; value: number } | { ok: false; error: string };

/** "0.1", "0.10", "10%" -> 0.1. Ratios are probabilities: 0..1. */
export function parseRatio(text: string): RatioParse {
  const trimmed = text.trim();
  if (trimmed === '') return { ok: false, error: 'enter a ratio between 0 and 1' };
  const percent = trimmed.endsWith('%');
  const number = Number(percent ? trimmed.slice(0, -1).trim() : trimmed);
  if (!Number.isFinite(number)) return { ok: false, error: `"${trimmed}" is not a number` };
  const value = percent ? number / 100 : number;
  if (value < 0 || value > 1) return { ok: false, error: 'a ratio is a probability between 0 and 1 (or 0%..100%)' };
  return { ok: true, value };
}

/** Layers never re-initialized (BatchNorm, pooling...) are shown but not editable. */
export function isEditableLayer(layer: InspectLayer): boolean {
  return layer.group !== 'none' && layer.params > 0;
}

/** A fresh schedule for a model, loading; edits survive when it is the same model again. */
export function scheduleForModel(previous: ScheduleState | null, model: string): ScheduleState {
  const sameModel = previous !== null && previous.model === model;
  return {
    model,
    status: 'loading',
    error: null,
    layers: sameModel ? previous.layers : [],
    edits: sameModel ? previous.edits : {},
    classes: sameModel ? previous.classes : null,
    params: sameModel ? previous.params : null,
  };
}

/** Cancel during "Check the images": back to the model's layers as they were, with no findings (the inspect writes nothing). */
export function cancelScan(schedule: ScheduleState): ScheduleState {
  if (schedule.status !== 'loading' || !schedule.scanned) return schedule;
  return { ...schedule, status: schedule.layers.length > 0 ? 'ready' : 'error', error: schedule.layers.length > 0 ? null : 'cancelled', scanned: false, scanProgress: null, findings: null };
}

/** "Scanning for a trigger: class 3 of 10 (round 2/8) · 1:20 left", from the scan's progress event. */
export function scanProgressText(progress: ScheduleState['scanProgress'], formatEta: (seconds: number) => string): string {
  if (!progress || progress.phase !== 'scan' || progress.epochs <= 0) return '';
  const round = progress.steps > 0 ? ` (round ${progress.step}/${progress.steps})` : '';
  const eta = typeof progress.etaSeconds === 'number' && Number.isFinite(progress.etaSeconds) ? ` · ${formatEta(progress.etaSeconds)} left` : '';
  return `Scanning for a trigger: class ${progress.epoch} of ${progress.epochs}${round}${eta}`;
}

export function editRatio(schedule: ScheduleState, layerName: string, text: string): ScheduleState {
  const layer = schedule.layers.find((l) => l.name === layerName);
  if (!layer || !isEditableLayer(layer)) return schedule;
  const edits = { ...schedule.edits };
  const parsed = parseRatio(text);
  // Typing the default back removes the edit, so "reset" and "unchanged" look the same.
  if (parsed.ok && sameRatio(parsed.value, layer.ratio)) delete edits[layerName];
  else edits[layerName] = text;
  return { ...schedule, edits };
}

export function resetSchedule(schedule: ScheduleState): ScheduleState {
  return Object.keys(schedule.edits).length === 0 ? schedule : { ...schedule, edits: {} };
}

/** The ratio the run will use for a layer (an invalid edit counts as null). */
export function effectiveRatio(layer: InspectLayer, edits: Record<string, string>): number | null {
  const text = edits[layer.name];
  if (text === undefined) return layer.ratio;
  const parsed = parseRatio(text);
  return parsed.ok ? parsed.value : null;
}

export interface ScheduleRatios {
  /** For CleanseParams.ratios; undefined when nothing differs from the defaults. */
  ratios: Record<string, number> | undefined;
  /** Layer name -> why its edit is invalid. */
  errors: Record<string, string>;
}

export function scheduleToRatios(schedule: ScheduleState | null): ScheduleRatios {
  if (!schedule) return { ratios: undefined, errors: {} };
  const ratios: Record<string, number> = {};
  const errors: Record<string, string> = {};
  for (const layer of schedule.layers) {
    const text = schedule.edits[layer.name];
    if (text === undefined || !isEditableLayer(layer)) continue;
    const parsed = parseRatio(text);
    if (!parsed.ok) errors[layer.name] = parsed.error;
    else if (!sameRatio(parsed.value, layer.ratio)) ratios[layer.name] = parsed.value;
  }
  return { ratios: Object.keys(ratios).length > 0 ? ratios : undefined, errors };
}

/** Expected share of the re-initializable weights that gets replaced: sum(params * ratio) / sum(params). */
export function expectedReinitShare(layers: readonly InspectLayer[], edits: Record<string, string>): number | null {
  let total = 0;
  let replaced = 0;
  for (const layer of layers) {
    if (!isEditableLayer(layer)) continue;
    const ratio = effectiveRatio(layer, edits);
    if (ratio === null) return null;
    total += layer.params;
    replaced += layer.params * ratio;
  }
  return total > 0 ? replaced / total : null;
}

function sameRatio(a: number, b: number): boolean {
  return Math.abs(a - b) < 1e-9;
}
