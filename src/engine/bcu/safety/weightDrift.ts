/**
 * How far each layer's weights moved in the cleanse: ||W_student - W_teacher|| / ||W_teacher||
 * over the layer's trainable weights (all of them concatenated). Null for layers without any.
 */
import * as tf from '@tensorflow/tfjs';

export function relativeWeightDrift(teacher: tf.LayersModel, student: tf.LayersModel): Map<string, number | null> {
  const drift = new Map<string, number | null>();
  for (const layer of student.layers) {
    const weights = layer.trainableWeights;
    if (weights.length === 0) {
      drift.set(layer.name, null);
      continue;
    }
    const original = teacher.getLayer(layer.name).trainableWeights;
    const [diff, base] = tf.tidy(() => {
      let d = tf.scalar(0);
      let b = tf.scalar(0);
      weights.forEach((w, i) => {
        const t = original[i].read();
        d = d.add(tf.sum(tf.square(tf.sub(w.read(), t))));
        b = b.add(tf.sum(tf.square(t)));
      });
      return [d.dataSync()[0], b.dataSync()[0]];
    });
    drift.set(layer.name, base > 0 ? Math.sqrt(diff) / Math.sqrt(base) : null);
  }
  return drift;
}
