/**
 * Form validation: what the user typed -> the job Start sends, or one message per field at fault.
 * Checks only what the panel can know (shape of the values, ranges from the settings table in
 * src/shared/settings.ts); the engine checks the files.
 * The chosen defense decides whether images are required (CLP needs none) and whether the
 * schedule's ratios go with the run (BCU only).
 */
import type { PanelJobRequest } from '../shared/panelMessages';
import type { CleanseParams } from '../shared/protocol';
import { settingRow } from '../shared/settings';
import { dataFieldFor, usesSchedule } from './methods';
import { scheduleToRatios } from './schedule';
import type { FormField, FormValues, ScheduleState } from './state';

export type FieldErrors = Partial<Record<FormField, string>>;

export type FormValidation =
  | { ok: true; params: CleanseParams; spec: PanelJobRequest; errors: FieldErrors; scheduleErrors: Record<string, string> }
  | { ok: false; errors: FieldErrors; scheduleErrors: Record<string, string> };

/** The form's number fields and their rows in the settings table (the same names). */
const row = (key: 'epochs' | 'batch' | 'lr' | 'seed' | 'limit') => settingRow('cleanse', key);
const bound = (value: number | undefined, fallback: number) => value ?? fallback;

type NumberParse = { value: number | undefined; error?: string };

/** Integer in [min, max]; empty gives undefined when `optional`. */
export function parseInteger(text: string, min: number, max: number, optional = false): NumberParse {
  const trimmed = text.trim();
  if (trimmed === '') return optional ? { value: undefined } : { value: undefined, error: 'required' };
  const value = Number(trimmed);
  if (!Number.isInteger(value)) return { value: undefined, error: `"${trimmed}" is not a whole number` };
  if (value < min || value > max) return { value: undefined, error: `must be between ${min} and ${max}` };
  return { value };
}

/** Positive number, at most `max` when given (learning rates). */
export function parsePositive(text: string, max?: number): NumberParse {
  const trimmed = text.trim();
  if (trimmed === '') return { value: undefined, error: 'required' };
  const value = Number(trimmed);
  if (!Number.isFinite(value)) return { value: undefined, error: `"${trimmed}" is not a number` };
  if (value <= 0) return { value: undefined, error: 'must be greater than 0' };
  if (max !== undefined && value > max) return { value: undefined, error: `must be greater than 0 and at most ${max}` };
  return { value };
}

export function validateForm(form: FormValues, schedule: ScheduleState | null): FormValidation {
  const errors: FieldErrors = {};
  const model = form.model.trim();
  const data = form.data.trim();
  const evalData = form.evalData.trim();
  const trigger = form.trigger.trim();
  if (model === '') errors.model = 'pick the model.json of the suspicious model';
  else if (!/\.(json|onnx)$/i.test(model)) errors.model = 'a TF.js LayersModel is loaded from its model.json, an ONNX model from its .onnx file';
  const dataField = dataFieldFor(form.method);
  if (data === '' && dataField.required) errors.data = dataField.missing;
  if (trigger !== '' && evalData === '') errors.trigger = 'the attack success rate needs labeled evaluation data too';
  if (trigger !== '' && !/\.json$/i.test(trigger)) errors.trigger = 'a trigger spec is a .json file';

  const integer = (key: 'epochs' | 'batch' | 'seed' | 'limit', text: string, optional = false) =>
    parseInteger(text, bound(row(key).min, 0), bound(row(key).max, Number.MAX_SAFE_INTEGER), optional);
  const epochs = integer('epochs', form.epochs);
  const batch = integer('batch', form.batch);
  const lr = parsePositive(form.lr, row('lr').max);
  const seed = integer('seed', form.seed);
  const limit = integer('limit', form.limit, true);
  if (epochs.error) errors.epochs = epochs.error;
  if (batch.error) errors.batch = batch.error;
  if (lr.error) errors.lr = lr.error;
  if (seed.error) errors.seed = seed.error;
  if (limit.error) errors.limit = limit.error;

  const { ratios, errors: scheduleErrors } = usesSchedule(form.method)
    ? scheduleToRatios(schedule !== null && schedule.model === model ? schedule : null)
    : { ratios: undefined, errors: {} };
  if (Object.keys(errors).length > 0 || Object.keys(scheduleErrors).length > 0) return { ok: false, errors, scheduleErrors };

  const params: CleanseParams = {
    model,
    data,
    out: form.out.trim(),
    epochs: epochs.value,
    batch: batch.value,
    lr: lr.value,
    seed: seed.value,
    backend: form.backend,
  };
  // An empty limit is said as 0 (all images), so the host does not fill in the configured one.
  params.limit = limit.value ?? 0;
  if (ratios) params.ratios = ratios;
  if (evalData !== '') params.evalData = evalData;
  if (trigger !== '') params.trigger = trigger;
  return { ok: true, params, spec: jobFor(form.method, params), errors, scheduleErrors };
}

/** 'bcu' is a cleanse; every other defense a defend job with the same paths and settings. */
export function jobFor(method: FormValues['method'], params: CleanseParams): PanelJobRequest {
  return method === 'bcu' ? { kind: 'cleanse', params } : { kind: 'defend', params: { ...params, method } };
}
