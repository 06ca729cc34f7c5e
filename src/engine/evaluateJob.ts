/** `bcu evaluate`: ACC on labeled images, and ASR/RA when a trigger spec is given. */
import type { EngineEventSink, EvaluateParams, EvaluateResult } from '../shared/protocol';
import { openEvaluation } from './cleanse';
import { evaluateModel } from './evaluate';
import { parseScaling } from './data/normalize';
import { loadModel } from './modelIo';

export async function runEvaluate(params: EvaluateParams, sink: EngineEventSink, signal?: AbortSignal): Promise<EvaluateResult> {
  const loaded = await loadModel(params.model);
  try {
    const evaluation = await openEvaluation(params.data, params.trigger, loaded.inputShape, params.limit, params.skip);
    const scalingText = params.scaling ?? loaded.onnx?.metadataScaling ?? undefined;
    if (scalingText && params.scaling === undefined) sink({ type: 'log', level: 'info', message: `input scaling from ${loaded.modelJsonPath}'s metadata: ${scalingText}` });
    const metrics = await evaluateModel(loaded.model, evaluation.source, {
      scaling: scalingText ? parseScaling(scalingText) : { mode: 'unit' },
      trigger: evaluation.trigger ?? undefined,
      signal,
      onProgress: (done, total) =>
        sink({ type: 'progress', phase: 'evaluate', epoch: 0, epochs: 0, step: done, steps: total, imagesPerSecond: null, etaSeconds: null }),
    });
    return { type: 'result', ...metrics };
  } finally {
    loaded.model.dispose();
  }
}
