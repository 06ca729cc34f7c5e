/**
 * The before/after figures of a job: labeled images (--eval-data) and, with --trigger, the
 * prepared trigger. Every job that reports ACC/ASR/RA opens and measures them the same way.
 */
import type * as tf from '@tensorflow/tfjs';
import type { EngineEventSink } from '../../shared/protocol';
import type { Metrics } from '../../shared/report';
import { openImageSource } from '../data';
import type { ImageShape, ImageSource, Scaling } from '../data/types';
import { evaluateModel } from '../evaluate';
import { loadTriggerSpec, prepareTrigger, type PreparedTrigger } from '../triggers';

export interface LabeledEvaluation {
  source: ImageSource;
  trigger: PreparedTrigger | null;
  /** The parsed spec, as the run record keeps it. */
  triggerSpec: unknown;
}

export async function openEvaluation(
  dataPath: string,
  triggerPath: string | undefined,
  shape: ImageShape,
  limit?: number,
  skip?: number,
): Promise<LabeledEvaluation> {
  const source = await openImageSource(dataPath, { shape, requireLabels: true, limit, skip });
  if (!triggerPath) return { source, trigger: null, triggerSpec: null };
  const spec = await loadTriggerSpec(triggerPath);
  return { source, trigger: await prepareTrigger(spec, shape), triggerSpec: spec };
}

/** Measures models on the evaluation (null without one); `announce` also tells the sink, as 'before' or 'after'. */
export interface EvaluationMeter {
  measure(model: tf.LayersModel): Promise<Metrics | null>;
  announce(which: 'before' | 'after', model: tf.LayersModel): Promise<Metrics | null>;
}

export function evaluationMeter(evaluation: LabeledEvaluation | null, scaling: Scaling, sink: EngineEventSink, signal?: AbortSignal): EvaluationMeter {
  const measure = async (model: tf.LayersModel): Promise<Metrics | null> =>
    evaluation ? evaluateModel(model, evaluation.source, { scaling, trigger: evaluation.trigger ?? undefined, signal }) : null;
  return {
    measure,
    async announce(which, model) {
      const metrics = await measure(model);
      if (metrics) sink({ type: 'metrics', which, metrics });
      return metrics;
    },
  };
}
