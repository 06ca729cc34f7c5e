/**
 * What the notification and the status bar say about a running job, from its engine events:
 * "epoch 3/20 · step 12/40 · 850 img/s · 1:20 left" and the fraction done. Pure.
 */
import type { EngineEvent, JobSpec } from '../shared/protocol';
import * as path from 'node:path';

export interface ProgressView {
  message: string;
  /** 0..1 when known. */
  fraction?: number;
}

type ProgressEvent = Extract<EngineEvent, { type: 'progress' }>;

export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = String(s % 60).padStart(2, '0');
  return h ? `${h}:${String(m).padStart(2, '0')}:${rest}` : `${m}:${rest}`;
}

export function describeProgress(event: ProgressEvent): ProgressView {
  const within = event.steps > 0 ? Math.min(1, event.step / event.steps) : 0;
  const parts: string[] = [];
  let fraction: number | undefined;
  switch (event.phase) {
    case 'load':
      return { message: 'loading the model and images', fraction: 0 };
    case 'save':
      return { message: 'saving the cleansed model', fraction: 1 };
    case 'scan':
      // The suspect scan: one trigger fit per class, `step` of `steps` rounds into class `epoch`.
      parts.push(`scanning for a trigger: class ${event.epoch} of ${event.epochs}`);
      fraction = event.epochs > 0 ? Math.min(1, (Math.max(0, event.epoch - 1) + within) / event.epochs) : undefined;
      break;
    case 'evaluate':
      parts.push(event.steps ? `evaluating ${event.step}/${event.steps} images` : 'evaluating');
      fraction = event.steps ? within : undefined;
      break;
    default:
      parts.push(`epoch ${event.epoch}/${event.epochs}`);
      if (event.steps) parts.push(`step ${event.step}/${event.steps}`);
      fraction = event.epochs > 0 ? Math.min(1, (Math.max(0, event.epoch - 1) + within) / event.epochs) : undefined;
  }
  if (event.imagesPerSecond) parts.push(`${Math.round(event.imagesPerSecond)} img/s`);
  if (typeof event.loss === 'number') parts.push(`loss ${event.loss.toFixed(3)}`);
  if (typeof event.etaSeconds === 'number' && Number.isFinite(event.etaSeconds)) parts.push(`${formatDuration(event.etaSeconds)} left`);
  return { message: parts.join(' · '), fraction };
}

/** "Cleansing badnet/model.json", for titles. */
export function describeJob(spec: JobSpec): string {
  if (spec.kind === 'demo') return `Making the demo model in ${path.basename(spec.params.out)}`;
  const model = spec.params.model;
  const name = `${path.basename(path.dirname(model))}/${path.basename(model)}`;
  const verb = { cleanse: 'Cleansing', evaluate: 'Evaluating', inspect: 'Inspecting', defend: 'Defending' }[spec.kind];
  return `${verb} ${name}`;
}
