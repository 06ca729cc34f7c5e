/** The records that concern one model file, as the annotation builders want them. */
import type { RunRecord, RunKind } from '../../shared/report';
import type { ReportRecord, ReportStore } from '../services';
import type { ModelRecords } from './modelLensSpecs';

export function modelRecords(store: ReportStore, modelPath: string): ModelRecords {
  return {
    cleanse: store.latestOfKind(modelPath, 'cleanse'),
    defend: store.latestOfKind(modelPath, 'defend'),
    evaluate: store.latestOfKind(modelPath, 'evaluate'),
    producer: store.producerOf(modelPath),
  };
}

/** Record kinds whose per-layer figures annotate the model's layers. */
export const LAYER_RECORD_KINDS: readonly RunKind[] = ['cleanse', 'defend', 'inspect'];

/** The newest record with layer figures for this model (a cleanse, a defense, or an inspect with diagnostics). */
export function layerRecordFor(store: Pick<ReportStore, 'latestOfKind'>, modelPath: string): ReportRecord | undefined {
  return LAYER_RECORD_KINDS.map((kind) => store.latestOfKind(modelPath, kind))
    .filter((r): r is ReportRecord => !!r && r.report.layers.length > 0)
    .sort((a, b) => b.report.createdAt.localeCompare(a.report.createdAt))[0];
}
