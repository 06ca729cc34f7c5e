/**
 * The attack lab's poisoning: which training images carry the trigger, and how a batch is changed.
 * Dirty-label attacks (BadNets, Blended, WaNet) poison a share of all training images and relabel
 * them to the target (BackdoorBench draws them from every class). Clean-label attacks (SIG) poison
 * a share of the target class's own images and keep their labels. WaNet also warps a further
 * `crossRatio` x as many images with random noise grids, keeping their labels (its noise mode),
 * so that the network learns the specific warp rather than any warp.
 */
import * as tf from '@tensorflow/tfjs';
import type { ImageBatch } from '../data/types';
import { derivedRng, permutation, type Rng } from '../random';
import { applyTrigger, applyWanetNoise, type PreparedTrigger, type TriggerSpec } from '../triggers';

export interface PoisonPlan {
  /** 1 = triggered and (dirty-label) relabeled; 2 = WaNet noise-mode warp, label kept. */
  role: Uint8Array;
  poisoned: number;
  noise: number;
  description: string;
}

export function defaultPoisonRate(spec: TriggerSpec): number {
  return spec.poisonLabel === 'clean' ? 0.8 : 0.1;
}

export function planPoisoning(labels: Int32Array, spec: TriggerSpec, rate: number, seed: number): PoisonPlan {
  const rng = derivedRng(seed, 'poison');
  const n = labels.length;
  const role = new Uint8Array(n);
  const eligible: number[] = [];
  for (let i = 0; i < n; i++) if (spec.poisonLabel !== 'clean' || labels[i] === spec.target) eligible.push(i);
  const order = permutation(eligible.length, rng);
  const count = Math.round(rate * (spec.poisonLabel === 'clean' ? eligible.length : n));
  for (let k = 0; k < Math.min(count, eligible.length); k++) role[eligible[order[k]]] = 1;
  let noise = 0;
  if (spec.type === 'wanet') {
    const rest: number[] = [];
    for (let i = 0; i < n; i++) if (role[i] === 0) rest.push(i);
    const restOrder = permutation(rest.length, rng);
    noise = Math.min(rest.length, Math.round(count * spec.crossRatio));
    for (let k = 0; k < noise; k++) role[rest[restOrder[k]]] = 2;
  }
  const poisoned = Math.min(count, eligible.length);
  const description =
    spec.poisonLabel === 'clean'
      ? `${poisoned} of ${eligible.length} target-class images triggered (clean-label)`
      : `${poisoned} of ${n} images triggered and relabeled to ${spec.target}` + (noise ? `, ${noise} noise-mode warps` : '');
  return { role, poisoned, noise, description };
}

/** Applies the plan to one batch: returns new raw pixels and labels (the input batch is untouched). */
export function poisonBatch(
  batch: ImageBatch,
  labels: Int32Array,
  plan: PoisonPlan,
  spec: TriggerSpec,
  trigger: PreparedTrigger,
  rng: Rng,
): { x: tf.Tensor4D; y: Int32Array } {
  const n = batch.indices.length;
  const roles = Array.from(batch.indices, (i) => plan.role[i]);
  const y = Int32Array.from(labels);
  roles.forEach((r, k) => {
    if (r === 1 && spec.poisonLabel === 'dirty') y[k] = spec.target;
  });
  if (!roles.some((r) => r !== 0)) return { x: batch.x.clone(), y };
  const x = tf.tidy(() => {
    const [, h, w, c] = batch.x.shape;
    let out: tf.Tensor4D = batch.x;
    const select = (role: number, changed: tf.Tensor4D) => {
      const mask = tf.tensor4d(roles.map((r) => (r === role ? 1 : 0)), [n, 1, 1, 1]).tile([1, h, w, c]).cast('bool');
      out = tf.where(mask, changed, out) as tf.Tensor4D;
    };
    if (roles.includes(1)) select(1, applyTrigger(batch.x, trigger));
    if (roles.includes(2) && trigger.type === 'wanet') select(2, applyWanetNoise(batch.x, trigger, rng));
    return out === batch.x ? batch.x.clone() : out;
  });
  return { x, y };
}
