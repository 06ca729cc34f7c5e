/**
 * The explorer badge of a model file: likely backdoored (an evaluation or a cleanse's "before"
 * figures show ASR >= 50 %), cleansed (a cleansed copy exists), or itself a cleansed copy.
 * Pure: records in, badge + tooltip out.
 */
import type { ModelRecords } from './modelLensSpecs';
import { evaluatedMetrics, summarizeRecord } from './recordSummary';
import { percent } from './format';

export const HIGH_ASR = 0.5;

export interface ModelDecoration {
  kind: 'backdoored' | 'cleansed' | 'cleansed-copy';
  /** At most two characters, as VS Code requires. */
  badge: string;
  tooltip: string;
}

/** The newest known ASR of the model itself: its evaluation, else the figures before its cleanse, else (a copy) after. */
function latestAsr(records: ModelRecords): number | null {
  const candidates: { at: string; asr: number | null | undefined }[] = [];
  if (records.evaluate) candidates.push({ at: records.evaluate.report.createdAt, asr: evaluatedMetrics(records.evaluate.report)?.asr });
  if (records.cleanse) candidates.push({ at: records.cleanse.report.createdAt, asr: records.cleanse.report.before?.asr });
  if (records.producer) candidates.push({ at: records.producer.report.createdAt, asr: records.producer.report.after?.asr });
  const known = candidates.filter((c): c is { at: string; asr: number } => typeof c.asr === 'number').sort((a, b) => b.at.localeCompare(a.at));
  return known[0]?.asr ?? null;
}

export function decorateModel(records: ModelRecords): ModelDecoration | undefined {
  const asr = latestAsr(records);
  const notes: string[] = [];
  if (records.cleanse?.report.outputs.model) notes.push(`cleansed copy: ${records.cleanse.report.outputs.model}`);
  if (asr !== null && asr >= HIGH_ASR) {
    return { kind: 'backdoored', badge: '⚠', tooltip: [`Backdoor Cleanse: attack success rate ${percent(asr)}, likely backdoored`, ...notes].join('; ') };
  }
  if (records.cleanse) {
    return { kind: 'cleansed', badge: 'C', tooltip: `Backdoor Cleanse: ${summarizeRecord(records.cleanse.report)}; ${notes.join('; ') || 'no output model'}` };
  }
  if (records.producer) {
    return { kind: 'cleansed-copy', badge: '✓', tooltip: `Backdoor Cleanse: cleansed copy of ${records.producer.report.inputs.model}; ${summarizeRecord(records.producer.report)}` };
  }
  return undefined;
}
