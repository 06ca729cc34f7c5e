/** `bcu inspect`: a model's layers, their depth groups and the default re-initialization ratios. */
import type { InspectParams, InspectResult } from '../shared/protocol';
import { CLEANSE_DEFAULTS } from './cleanseDefaults';
import { loadModel } from './modelIo';
import { planSchedule } from './reinitSchedule';

export async function runInspect(params: InspectParams): Promise<InspectResult> {
  const loaded = await loadModel(params.model);
  try {
    const model = loaded.model;
    const plan = planSchedule(model, CLEANSE_DEFAULTS.schedule);
    return {
      type: 'result',
      model: loaded.modelJsonPath,
      inputShape: model.inputs[0].shape,
      classes: (model.outputs[0].shape[1] as number) ?? 0,
      params: model.countParams(),
      layers: plan.layers,
    };
  } finally {
    loaded.model.dispose();
  }
}
