/**
 * A fixed set of the user's unlabeled images, scored after every distillation epoch in inference
 * mode: teacher-student top-1 agreement and the student's and teacher's class shares. The
 * training-time figures in EpochRecord are measured on augmented images with the student's
 * BatchNorm in training mode, so they drift with the schedule; these are comparable across epochs,
 * which the label-free selection (selection.ts) and the transfer watch (transferWatch.ts) need.
 */
import * as tf from '@tensorflow/tfjs';
import { normalize } from '../../data/normalize';
import type { ImageSource, Scaling } from '../../data/types';

export interface ProbeReading {
  /** Share of the probe images on which student and teacher give the same class. */
  agreement: number;
  studentTopShare: number;
  studentTopClass: number;
  teacherTopShare: number;
  teacherTopClass: number;
}

export interface EpochProbe {
  images: number;
  /** Scores `student` on the probe images (inference mode); allocates nothing that outlives the call. */
  read(student: tf.LayersModel): ProbeReading;
  dispose(): void;
}

/** Largest share of `top1` falling on one class, and that class. */
export function topClassShare(top1: ArrayLike<number>): { share: number; cls: number } {
  const counts = new Map<number, number>();
  let best = -1;
  let bestCount = 0;
  for (let i = 0; i < top1.length; i++) {
    const c = (counts.get(top1[i]) ?? 0) + 1;
    counts.set(top1[i], c);
    if (c > bestCount || (c === bestCount && top1[i] < best)) {
      bestCount = c;
      best = top1[i];
    }
  }
  return { share: top1.length ? bestCount / top1.length : 0, cls: best };
}

function predictTop1(model: tf.LayersModel, inputs: tf.Tensor4D, batchSize: number): Int32Array {
  const top = tf.tidy(() => tf.argMax(model.predict(inputs, { batchSize }) as tf.Tensor, 1));
  const values = top.dataSync() as Int32Array;
  top.dispose();
  return Int32Array.from(values);
}

/** Reads the first `images` images of `source` once and keeps them (scaled) for the whole run. */
export async function createEpochProbe(
  teacher: tf.LayersModel,
  source: ImageSource,
  options: { images?: number; scaling: Scaling; batchSize?: number; signal?: AbortSignal },
): Promise<EpochProbe> {
  // Kept for the whole run: at most ~64 MB of float32 pixels (512 small images, fewer large ones).
  const perImage = source.shape.height * source.shape.width * source.shape.channels * 4;
  const take = Math.min(options.images ?? Math.max(64, Math.min(512, Math.floor(64e6 / perImage))), source.count);
  const batchSize = options.batchSize ?? 64;
  const parts: tf.Tensor4D[] = [];
  for await (const batch of source.batches(batchSize, { take, signal: options.signal })) {
    parts.push(tf.tidy(() => normalize(batch.x, options.scaling)));
    batch.x.dispose();
  }
  const inputs = parts.length === 1 ? parts[0] : tf.concat(parts);
  if (parts.length > 1) tf.dispose(parts);
  const teacherTop1 = predictTop1(teacher, inputs, batchSize);
  const teacherTop = topClassShare(teacherTop1);
  return {
    images: teacherTop1.length,
    read(student) {
      const studentTop1 = predictTop1(student, inputs, batchSize);
      let same = 0;
      for (let i = 0; i < studentTop1.length; i++) if (studentTop1[i] === teacherTop1[i]) same++;
      const studentTop = topClassShare(studentTop1);
      return {
        agreement: studentTop1.length ? same / studentTop1.length : 0,
        studentTopShare: studentTop.share,
        studentTopClass: studentTop.cls,
        teacherTopShare: teacherTop.share,
        teacherTopClass: teacherTop.cls,
      };
    },
    dispose() {
      inputs.dispose();
    },
  };
}
