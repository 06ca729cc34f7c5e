/**
 * Per-channel mean, variance, max and positive-ever flags of a layer's output, accumulated batch
 * by batch (channels last). Batch moments are merged in float64 with Chan et al.'s pairwise
 * formula ("Updating formulae and a pairwise algorithm for computing sample variances", 1979), so
 * thousands of images lose no precision to float32 sums.
 */
import * as tf from '@tensorflow/tfjs';

export class ChannelMoments {
  count = 0;
  mean: Float64Array;
  /** Sum of squared deviations from the mean. */
  m2: Float64Array;
  max: Float64Array;
  constructor(readonly channels: number) {
    this.mean = new Float64Array(channels);
    this.m2 = new Float64Array(channels);
    this.max = new Float64Array(channels).fill(Number.NEGATIVE_INFINITY);
  }

  /** Adds a batch (any rank, channels last). Does not dispose `t`. */
  add(t: tf.Tensor): void {
    const [mean, variance, max] = tf.tidy(() => {
      const flat = t.reshape([-1, this.channels]);
      const m = tf.moments(flat, 0);
      return [m.mean, m.variance, flat.max(0)];
    });
    const n = t.size / this.channels;
    const bm = mean.dataSync();
    const bv = variance.dataSync();
    const bx = max.dataSync();
    tf.dispose([mean, variance, max]);
    const total = this.count + n;
    for (let c = 0; c < this.channels; c++) {
      const delta = bm[c] - this.mean[c];
      this.mean[c] += (delta * n) / total;
      this.m2[c] += bv[c] * n + (delta * delta * this.count * n) / total;
      if (bx[c] > this.max[c]) this.max[c] = bx[c];
    }
    this.count = total;
  }

  /** Population variance per channel. */
  variance(): Float64Array {
    return this.m2.map((v) => (this.count > 0 ? v / this.count : 0));
  }
}
