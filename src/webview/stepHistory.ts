/**
 * Per-step curves (loss, temperature) from 'progress' events, kept small: the state is saved with
 * setState on every change, so the history is thinned to at most MAX_STEP_POINTS points by
 * dropping every other point when full (the curve keeps its shape, resolution halves).
 */
import type { ProgressEvent, StepPoint } from './state';

export const MAX_STEP_POINTS = 400;

/**
 * Where a progress event lies on the epoch axis. The engine numbers epochs from 1 and counts
 * `step` as steps done within the epoch, so x = (epoch - 1) + step/steps and the end of epoch e
 * is x = e, where its EpochRecord (also numbered from 1) is drawn. Phases without steps (load:
 * epoch 0, save: epoch = epochs) sit at x = epoch.
 */
export function progressPosition(event: Pick<ProgressEvent, 'epoch' | 'step' | 'steps'>): number {
  if (event.steps <= 0) return Math.max(0, event.epoch);
  const within = Math.min(1, Math.max(0, event.step / event.steps));
  return Math.max(0, event.epoch - 1) + within;
}

/** Overall completion 0..1 of a distillation from a progress event. */
export function progressFraction(event: Pick<ProgressEvent, 'epoch' | 'epochs' | 'step' | 'steps'>): number {
  if (event.epochs <= 0) return 0;
  return Math.min(1, Math.max(0, progressPosition(event) / event.epochs));
}

/** Halves the points (keeps every other one, and always the last) once the cap is reached. */
export function thin<T>(points: readonly T[]): T[] {
  const kept = points.filter((_, index) => index % 2 === 0);
  const last = points[points.length - 1];
  if (points.length > 0 && kept[kept.length - 1] !== last) kept.push(last);
  return kept;
}

export function appendStepPoint(points: readonly StepPoint[], point: StepPoint, cap = MAX_STEP_POINTS): StepPoint[] {
  // Progress may repeat a position (e.g. a save phase after the last step): replace, don't stack.
  const previous = points[points.length - 1];
  const base = previous && previous.x >= point.x ? points.slice(0, -1) : points;
  const next = [...base, point];
  return next.length > cap ? thin(next) : next;
}

/** The step point a distillation progress event contributes, or null (other phases, no figures). */
export function stepPointOf(event: ProgressEvent): StepPoint | null {
  if (event.phase !== 'distill' && event.phase !== 'train') return null;
  const loss = event.loss ?? null;
  const temperature = event.temperature ?? null;
  if (loss === null && temperature === null) return null;
  return { x: progressPosition(event), loss: loss !== null && Number.isFinite(loss) ? loss : null, temperature };
}
