/**
 * Form validation: what the user typed -> CleanseParams, or one message per field at fault.
 * Checks only what the panel can know (shape of the values); the engine checks the files.
 * The chosen defense decides whether images are required (CLP needs none) and whether the
 * schedule's ratios go with the run (BCU only).
 */
import type { CleanseParams } from '../shared/protocol';
import { dataFieldFor, usesSchedule } from './methods';
import { scheduleToRatios } from './schedule';
import type { FormField, FormValues, ScheduleState } from './state';

export type FieldErrors = Partial<Record<FormField, string>>;

export type FormValidation =
  | { ok: true; params: CleanseParams; errors: FieldErrors; scheduleErrors: Record<string, string> }
  | { ok: false; errors: FieldErrors; scheduleErrors: Record<string, string> };

const MAX_SEED = 2 ** 31 - 1;

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

/** Positive number below `max` (learning rates). */
export function parsePositive(text: string, max: number): NumberParse {
  const trimmed = text.trim();
  if (trimmed === '') return { value: undefined, error: 'required' };
  const value = Number(trimmed);
  if (!Number.isFinite(value)) return { value: undefined, error: `"${trimmed}" is not a number` };
  if (value <= 0 || value > max) return { value: undefined, error: `must be greater than 0 and at most ${max}` };
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

  const epochs = parseInteger(form.epochs, 1, 10000);
  const batch = parseInteger(form.batch, 1, 65536);
  const lr = parsePositive(form.lr, 10);
  const seed = parseInteger(form.seed, 0, MAX_SEED);
  const limit = parseInteger(form.limit, 0, Number.MAX_SAFE_INTEGER, true);
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
  if (limit.value) params.limit = limit.value;
  if (ratios) params.ratios = ratios;
  if (evalData !== '') params.evalData = evalData;
  if (trigger !== '') params.trigger = trigger;
  return { ok: true, params, errors, scheduleErrors };
}
