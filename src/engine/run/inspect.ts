/**
 * `bcu inspect`: a model's layers, their depth groups and the default re-initialization ratios,
 * with per-layer diagnostics (docs/diagnostics.md). Data-free: channel Lipschitz bounds (CLP).
 * With --data (unlabeled images): BatchNorm divergence, activation statistics, data quality and
 * the Neural-Cleanse-style suspect scan (skipped with --no-suspect).
 */
import type { EngineEventSink, InspectLayer, InspectParams, InspectResult } from '../../shared/protocol';
import type { DataQuality, SuspectScan } from '../../shared/report';
import { CLEANSE_DEFAULTS } from '../bcu/cleanseDefaults';
import { openImageSource } from '../data';
import { activationStats } from '../diagnostics/activationStats';
import { batchNormDivergence } from '../diagnostics/bnDivergence';
import { assessDataQuality } from '../diagnostics/dataQuality';
import { layerLipschitz } from '../diagnostics/lipschitzLayer';
import { layerWarning } from '../diagnostics/rules';
import { suspectScan } from '../suspect/suspectScan';
import { loadModel } from '../modelIo';
import { planSchedule } from '../bcu/reinitSchedule';
import { settingDefault } from '../../shared/settings';
import { inputScaling } from '../modelIo/inputScaling';

/** Images the per-layer statistics look at when --limit is not given (the settings table's default). */
const DEFAULT_DIAGNOSTIC_IMAGES = settingDefault('inspect', 'limit');

export async function runInspect(params: InspectParams, sink?: EngineEventSink, signal?: AbortSignal): Promise<InspectResult> {
  const loaded = await loadModel(params.model);
  try {
    const model = loaded.model;
    const plan = planSchedule(model, CLEANSE_DEFAULTS.schedule);
    const lipschitz = layerLipschitz(model);
    const layers: InspectLayer[] = plan.layers.map((layer) => {
      const l = lipschitz.get(layer.name);
      return { ...layer, lipschitzMax: l?.lipschitzMax ?? null, lipschitzZ: l?.lipschitzZ ?? null };
    });

    let dataQuality: DataQuality | null = null;
    let scan: SuspectScan | null = null;
    if (params.data) {
      const log = (message: string) => sink?.({ type: 'log', level: 'info', message });
      const { scaling } = inputScaling(undefined, loaded, { mode: 'unit' }, log);
      const source = await openImageSource(params.data, { shape: loaded.inputShape, limit: params.limit ?? DEFAULT_DIAGNOSTIC_IMAGES });
      log(`diagnostics on ${source.count} images from ${params.data}`);
      const stream = { scaling, signal, batchSize: 100 };
      const divergence = new Map((await batchNormDivergence(model, source, stream)).map((d) => [d.layer, d.divergence]));
      const activations = new Map((await activationStats(model, source, stream)).map((a) => [a.layer, a]));
      for (const layer of layers) {
        const a = activations.get(layer.name);
        layer.bnDivergence = divergence.get(layer.name) ?? null;
        layer.activationMean = a?.activationMean ?? null;
        layer.activationMax = a?.activationMax ?? null;
        layer.deadShare = a?.deadShare ?? null;
      }
      dataQuality = await assessDataQuality(model, source, { scaling, signal });
      if (!params.noSuspect) {
        const result = await suspectScan(model, source, {
          scaling,
          signal,
          onClass: (done, total, e) => log(`suspect scan: class ${e.class} mask L1 ${e.maskL1.toFixed(1)}, flips ${(e.flipRate * 100).toFixed(0)} % (${done}/${total})`),
          // Class k of K as a progress event: the CLI's bar, the notification and the panel show it.
          onProgress: (p) => sink?.({ type: 'progress', phase: 'scan', epoch: p.classIndex, epochs: p.classes, step: p.round, steps: p.rounds, imagesPerSecond: null, etaSeconds: p.etaSeconds }),
        });
        log(`suspect scan took ${result.seconds.toFixed(1)} s`);
        const { seconds: _seconds, focus: _focus, ...shown } = result;
        scan = shown;
      }
    }
    for (const layer of layers) {
      layer.warning = layerWarning({ ...layer, lipschitzChannel: lipschitz.get(layer.name)?.channel });
    }
    return {
      type: 'result',
      model: loaded.modelJsonPath,
      inputShape: model.inputs[0].shape,
      classes: (model.outputs[0].shape[1] as number) ?? 0,
      params: model.countParams(),
      layers,
      ...(params.data ? { dataQuality, suspect: scan?.suspect ?? null, suspectScan: scan } : {}),
    };
  } finally {
    loaded.model.dispose();
  }
}
