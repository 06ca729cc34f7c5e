/**
 * Raw pixels (0..255) -> model inputs, and the --scaling flag that says how. Kept apart from
 * loading because backdoor triggers are stamped on raw pixels before this step.
 */
import * as tf from '@tensorflow/tfjs';
import { InputError } from '../errors';
import type { Scaling } from './types';

const MODES = ['unit', 'symmetric', 'raw'] as const;
const FORMS = '"unit" (x/255), "symmetric" (x/127.5-1), "raw" (0..255), or "mean=0.485,0.456,0.406;std=0.229,0.224,0.225" (on the 0..1 scale)';

/** Returns a new tensor (also for 'raw'); the caller still owns and disposes `x`. */
export function normalize(x: tf.Tensor4D, scaling: Scaling): tf.Tensor4D {
  checkScaling(scaling, x.shape[3]);
  return tf.tidy(() => {
    let y: tf.Tensor4D;
    if (scaling.mode === 'unit') y = tf.div(x, 255);
    else if (scaling.mode === 'symmetric') y = tf.sub(tf.div(x, 127.5), 1);
    else y = tf.clone(x);
    // Per-channel constants broadcast over the last (channel) axis.
    if (scaling.mean) y = tf.sub(y, tf.tensor1d(scaling.mean));
    if (scaling.std) y = tf.div(y, tf.tensor1d(scaling.std));
    return y;
  });
}

function checkScaling(scaling: Scaling, channels: number): void {
  if (!(MODES as readonly string[]).includes(scaling.mode)) {
    throw new InputError(`Unknown scaling mode "${scaling.mode}"; use ${FORMS}.`);
  }
  if ((scaling.mean || scaling.std) && scaling.mode !== 'unit') {
    throw new InputError(`mean/std are on the 0..1 scale, so they go with "unit" scaling, not "${scaling.mode}".`);
  }
  for (const [name, values] of [['mean', scaling.mean], ['std', scaling.std]] as const) {
    if (values && values.length !== 1 && values.length !== channels) {
      throw new InputError(`The scaling ${name} has ${values.length} values but the model takes ${channels} channel(s); give 1 or ${channels}.`);
    }
  }
}

/** Parses a --scaling flag: a mode, and/or mean=...;std=... (parts separated by ';'). */
export function parseScaling(text: string): Scaling {
  const parts = text.split(';').map((part) => part.trim()).filter((part) => part.length > 0);
  if (parts.length === 0) throw new InputError(`--scaling is empty; use ${FORMS}.`);
  let mode: Scaling['mode'] | undefined;
  let mean: number[] | undefined;
  let std: number[] | undefined;
  for (const part of parts) {
    const word = part.toLowerCase();
    const keyValue = /^(mean|std)\s*=\s*(.*)$/i.exec(part);
    if ((MODES as readonly string[]).includes(word)) {
      if (mode) throw new InputError(`--scaling "${text}" names two modes; give one of unit, symmetric, raw.`);
      mode = word as Scaling['mode'];
    } else if (keyValue) {
      const key = keyValue[1].toLowerCase();
      const values = parseNumbers(keyValue[2], key, text);
      if (key === 'mean') mean = values;
      else std = values;
    } else {
      throw new InputError(`--scaling: "${part}" is not understood; use ${FORMS}.`);
    }
  }
  if ((mean || std) && mode && mode !== 'unit') {
    throw new InputError(`--scaling "${text}": mean/std are on the 0..1 scale, so they go with "unit", not "${mode}".`);
  }
  if (mean && mean.some((v) => v < 0 || v > 1)) {
    throw new InputError(`--scaling mean=${mean.join(',')} is outside 0..1; give it on the 0..1 scale (divide 0..255 values by 255).`);
  }
  if (std && std.some((v) => v <= 0 || v > 1)) {
    throw new InputError(`--scaling std=${std.join(',')} must be above 0 and at most 1, on the 0..1 scale (divide 0..255 values by 255).`);
  }
  if (mean && std && mean.length !== std.length && mean.length !== 1 && std.length !== 1) {
    throw new InputError(`--scaling gives ${mean.length} mean values but ${std.length} std values; give one per channel for both.`);
  }
  const scaling: Scaling = { mode: mode ?? 'unit' };
  if (mean) scaling.mean = mean;
  if (std) scaling.std = std;
  return scaling;
}

function parseNumbers(list: string, key: string, text: string): number[] {
  const items = list.split(/[\s,]+/).filter((item) => item.length > 0);
  const values = items.map(Number);
  if (items.length === 0 || values.some((v) => !Number.isFinite(v))) {
    throw new InputError(`--scaling "${text}": ${key} needs comma-separated numbers, e.g. ${key}=0.5,0.5,0.5.`);
  }
  return values;
}
