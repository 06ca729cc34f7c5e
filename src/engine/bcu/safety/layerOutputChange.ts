/**
 * After the cleanse, how much did each layer's output move? ||student_out - teacher_out|| /
 * ||teacher_out|| per layer, summed over the same few hundred images (Frobenius norms). Weight drift
 * says how far parameters moved; this says how far the computation moved, which is what the
 * backdoor pathway depends on (cf. Fine-Pruning, Liu et al., RAID 2018, reading activations).
 * Layers whose output cannot be tapped (shared layers with several call sites) get null.
 */
import * as tf from '@tensorflow/tfjs';
import { normalize } from '../../data/normalize';
import type { ImageSource, Scaling } from '../../data/types';
import { throwIfAborted } from '../../errors';

/** A model that outputs the named layers' outputs (those with a single output; the others are left out of `tapped`). */
export function tapModel(model: tf.LayersModel, names: string[]): { model: tf.LayersModel; tapped: string[] } {
  const outputs: tf.SymbolicTensor[] = [];
  const tapped: string[] = [];
  for (const name of names) {
    try {
      const out = model.getLayer(name).output;
      if (Array.isArray(out)) continue;
      outputs.push(out);
      tapped.push(name);
    } catch {
      // Layer absent or called more than once: no single output to compare.
    }
  }
  return { model: tf.model({ inputs: model.inputs, outputs }), tapped };
}

/** Relative output change per layer name (null where the layer could not be tapped). */
export async function layerOutputChange(
  teacher: tf.LayersModel,
  student: tf.LayersModel,
  layerNames: string[],
  source: ImageSource,
  options: { images?: number; scaling: Scaling; batchSize?: number; signal?: AbortSignal },
): Promise<Map<string, number | null>> {
  const result = new Map<string, number | null>(layerNames.map((n) => [n, null]));
  const t = tapModel(teacher, layerNames);
  const s = tapModel(student, t.tapped);
  const names = t.tapped.filter((n) => s.tapped.includes(n));
  if (names.length === 0 || names.length !== t.tapped.length) return result;
  const diff = new Float64Array(names.length);
  const base = new Float64Array(names.length);
  const take = Math.min(options.images ?? 256, source.count);
  for await (const batch of source.batches(options.batchSize ?? 32, { take, signal: options.signal })) {
    try {
      throwIfAborted(options.signal);
      const sums = tf.tidy(() => {
        const x = normalize(batch.x, options.scaling);
        const toList = (o: tf.Tensor | tf.Tensor[]) => (Array.isArray(o) ? o : [o]);
        const a = toList(t.model.predict(x));
        const b = toList(s.model.predict(x));
        return tf.stack(a.flatMap((ta, i) => [tf.sum(tf.square(tf.sub(b[i], ta))), tf.sum(tf.square(ta))]));
      });
      const v = sums.dataSync();
      sums.dispose();
      for (let i = 0; i < names.length; i++) {
        diff[i] += v[2 * i];
        base[i] += v[2 * i + 1];
      }
    } finally {
      batch.x.dispose();
    }
  }
  names.forEach((n, i) => result.set(n, base[i] > 0 ? Math.sqrt(diff[i]) / Math.sqrt(base[i]) : diff[i] > 0 ? null : 0));
  return result;
}
