/**
 * Backdoor triggers on raw-pixel batches (float32 0..255, NHWC): prepare once per input shape,
 * then apply to as many batches as needed. Prepared triggers are plain data (typed arrays),
 * so they need no disposal; each apply builds its tensors inside tf.tidy.
 */
import type * as tf from '@tensorflow/tfjs';
import type { ImageShape } from '../data/types';
import { applyBadNets, prepareBadNets, type PreparedBadNets } from './badnets';
import { applyBlended, prepareBlended, type PreparedBlended } from './blended';
import { applySig, prepareSig, type PreparedSig } from './sig';
import type { TriggerSpec } from './types';
import { applyWanet, prepareWanet, type PreparedWanet } from './wanet';

export type PreparedTrigger = PreparedBadNets | PreparedBlended | PreparedSig | PreparedWanet;

export type { PreparedBadNets, PreparedBlended, PreparedSig, PreparedWanet };
export * from './types';
export { loadTriggerSpec, parseTriggerSpec } from './spec';
export { applyWanetNoise } from './wanet';

/** Precomputes the trigger's pattern or warp for images of this shape (reads the Blended image file). */
export async function prepareTrigger(spec: TriggerSpec, shape: ImageShape): Promise<PreparedTrigger> {
  switch (spec.type) {
    case 'badnets':
      return prepareBadNets(spec, shape);
    case 'blended':
      return prepareBlended(spec, shape);
    case 'sig':
      return prepareSig(spec, shape);
    case 'wanet':
      return prepareWanet(spec, shape);
  }
}

/** Returns triggered copies of the images (a new tensor; x is left as it is and stays the caller's). */
export function applyTrigger(x: tf.Tensor4D, trigger: PreparedTrigger): tf.Tensor4D {
  const [, height, width, channels] = x.shape;
  const s = trigger.shape;
  if (height !== s.height || width !== s.width || channels !== s.channels) {
    throw new Error(
      `trigger was prepared for ${s.height}x${s.width}x${s.channels} images, got ${height}x${width}x${channels}`,
    );
  }
  switch (trigger.type) {
    case 'badnets':
      return applyBadNets(x, trigger);
    case 'blended':
      return applyBlended(x, trigger);
    case 'sig':
      return applySig(x, trigger);
    case 'wanet':
      return applyWanet(x, trigger);
  }
}

/** One line for logs and reports, e.g. "BadNets 3x3 bottom-right -> class 0". */
export function describeTrigger(spec: TriggerSpec): string {
  switch (spec.type) {
    case 'badnets':
      return `BadNets ${spec.size}x${spec.size} ${spec.position} -> class ${spec.target}`;
    case 'blended':
      return `Blended ${spec.image === null ? `random pixels (seed ${spec.seed})` : spec.image} alpha ${spec.alpha} -> class ${spec.target}`;
    case 'sig':
      return `SIG delta ${spec.delta} f ${spec.freq} -> class ${spec.target}`;
    case 'wanet':
      return `WaNet k ${spec.k} s ${spec.s} (seed ${spec.seed}) -> class ${spec.target}`;
  }
}
