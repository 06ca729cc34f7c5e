/**
 * Do the user's unlabeled images fit the model? Distillation can only transfer what the teacher
 * shows on the images it is given: on out-of-distribution images (another domain, noise, wrong
 * scaling) the teacher's outputs are unconfident and skewed, and the student learns little of the
 * clean task. We judge fit from the teacher's own predictions, no labels: mean top-1 confidence and
 * normalized entropy (the maximum-softmax-probability baseline, Hendrycks & Gimpel, ICLR 2017),
 * and how evenly the predictions spread over the classes. Advisory only: never blocks a cleanse.
 *
 * Thresholds (DATA_QUALITY_RULES) were calibrated on Fashion-MNIST (in distribution) vs MNIST
 * digits and uniform noise for a ResNet-8 and a small CNN; docs/safety-checks.md has the numbers.
 */
import * as tf from '@tensorflow/tfjs';
import type { DataQuality } from '../../shared/report';
import { normalize } from '../data/normalize';
import type { ImageSource, Scaling } from '../data/types';
import { InputError, throwIfAborted } from '../errors';
import { logitsView } from '../training/logits';

export const DATA_QUALITY_RULES = {
  /** Fewer images than this: distillation has too little to transfer the clean task from. */
  minImages: 1000,
  /** Mean teacher top-1 probability below this looks out of distribution. */
  minMeanConfidence: 0.75,
  /** Mean normalized entropy above this looks out of distribution. */
  maxMeanEntropy: 0.3,
  /** One class taking more than this share of the teacher's predictions (beyond 2/classes too). */
  maxTopClassShare: 0.4,
};

export interface DataQualityOptions {
  /** Look at no more than this many images (default 2000). */
  limit?: number;
  scaling: Scaling;
  signal?: AbortSignal;
  batchSize?: number;
}

/** Teacher probabilities on the first `limit` images, summarized into a verdict with plain reasons. */
export async function assessDataQuality(model: tf.LayersModel, source: ImageSource, options: DataQualityOptions): Promise<DataQuality> {
  const limit = Math.min(options.limit ?? 2000, source.count);
  const view = logitsView(model);
  let confidenceSum = 0;
  let entropySum = 0;
  let seen = 0;
  const counts: number[] = [];
  let classes = 0;
  try {
    for await (const batch of source.batches(options.batchSize ?? 64, { take: limit, signal: options.signal })) {
      try {
        throwIfAborted(options.signal);
        const probs = tf.tidy(() => {
          const out = view.model.predict(normalize(batch.x, options.scaling));
          if (Array.isArray(out) || out.rank !== 2) {
            throw new InputError(`the model must output class scores [batch, classes] to judge the data against it.`);
          }
          return tf.softmax(out as tf.Tensor2D);
        });
        classes = probs.shape[1] as number;
        const values = probs.dataSync();
        probs.dispose();
        const stats = summarizeProbabilities(values, classes);
        confidenceSum += stats.confidenceSum;
        entropySum += stats.entropySum;
        stats.top1.forEach((k) => (counts[k] = (counts[k] ?? 0) + 1));
        seen += stats.top1.length;
      } finally {
        batch.x.dispose();
      }
    }
  } finally {
    view.restore();
  }
  const classShares = Array.from({ length: classes }, (_, k) => (seen ? (counts[k] ?? 0) / seen : 0));
  return dataQualityVerdict({
    images: source.count,
    meanConfidence: seen ? confidenceSum / seen : 0,
    meanEntropy: seen ? entropySum / seen : 1,
    classShares,
  });
}

/** Per-row top-1 probability, normalized entropy (entropy / log classes) and argmax of a flat [n, classes] array. */
export function summarizeProbabilities(values: ArrayLike<number>, classes: number): { confidenceSum: number; entropySum: number; top1: number[] } {
  const n = Math.floor(values.length / classes);
  const logK = classes > 1 ? Math.log(classes) : 1;
  let confidenceSum = 0;
  let entropySum = 0;
  const top1: number[] = [];
  for (let i = 0; i < n; i++) {
    let best = 0;
    let entropy = 0;
    for (let k = 0; k < classes; k++) {
      const p = values[i * classes + k];
      if (p > values[i * classes + best]) best = k;
      if (p > 0) entropy -= p * Math.log(p);
    }
    confidenceSum += values[i * classes + best];
    entropySum += entropy / logK;
    top1.push(best);
  }
  return { confidenceSum, entropySum, top1 };
}

/** Applies DATA_QUALITY_RULES to the summary figures; one plain reason per rule that fires. */
export function dataQualityVerdict(figures: { images: number; meanConfidence: number; meanEntropy: number; classShares: number[] }): DataQuality {
  const rules = DATA_QUALITY_RULES;
  const classes = figures.classShares.length;
  const topClassShare = classes ? Math.max(...figures.classShares) : 0;
  const topClass = figures.classShares.indexOf(topClassShare);
  const reasons: string[] = [];
  if (figures.images < rules.minImages) {
    reasons.push(`Only ${figures.images} images: distillation usually needs at least ${rules.minImages} to keep clean accuracy.`);
  }
  if (figures.meanConfidence < rules.minMeanConfidence) {
    reasons.push(
      `The model is unsure on these images (mean top-1 probability ${figures.meanConfidence.toFixed(2)} < ${rules.minMeanConfidence}): they may not come from its training domain, or the scaling may be wrong.`,
    );
  }
  if (figures.meanEntropy > rules.maxMeanEntropy) {
    reasons.push(
      `The model's predictions are spread out (mean normalized entropy ${figures.meanEntropy.toFixed(2)} > ${rules.maxMeanEntropy}): the images may be out of distribution.`,
    );
  }
  if (classes > 1 && topClassShare > Math.max(rules.maxTopClassShare, 2 / classes)) {
    reasons.push(
      `The model puts ${(topClassShare * 100).toFixed(0)}% of these images in class ${topClass}: the images are unbalanced or out of distribution, and the student may learn that skew (or a backdoor target).`,
    );
  }
  return {
    images: figures.images,
    meanConfidence: figures.meanConfidence,
    meanEntropy: figures.meanEntropy,
    classShares: figures.classShares,
    topClassShare,
    verdict: reasons.length ? 'warn' : 'ok',
    reasons,
  };
}
