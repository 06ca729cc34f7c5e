/** The records that concern one model file, as the annotation builders want them. */
import type { ReportStore } from '../services';
import type { ModelRecords } from './modelLenses';

export function modelRecords(store: ReportStore, modelPath: string): ModelRecords {
  return {
    cleanse: store.latestOfKind(modelPath, 'cleanse'),
    evaluate: store.latestOfKind(modelPath, 'evaluate'),
    producer: store.producerOf(modelPath),
  };
}
