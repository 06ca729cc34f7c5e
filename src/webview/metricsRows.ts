/** The before/after table's rows (pure): ACC, ASR, RA with the change and whether it is good. */
import type { Metrics } from '../shared/report';
import { formatPercent, formatPointChange } from './format';

export interface MetricsRow {
  key: 'acc' | 'asr' | 'ra';
  label: string;
  description: string;
  before: string;
  after: string;
  change: string;
  /** 'better' | 'worse' by the figure's meaning (ASR should fall, ACC and RA rise); null: no change to judge. */
  verdict: 'better' | 'worse' | null;
}

const ROWS: { key: MetricsRow['key']; label: string; description: string; higherIsBetter: boolean }[] = [
  { key: 'acc', label: 'Clean accuracy (ACC)', description: 'Top-1 accuracy on clean labeled images', higherIsBetter: true },
  { key: 'asr', label: 'Attack success (ASR)', description: 'Triggered images of other classes predicted as the target', higherIsBetter: false },
  { key: 'ra', label: 'Robust accuracy (RA)', description: 'Triggered images still predicted as their true class', higherIsBetter: true },
];

/** Changes under half a percentage point are noise, not a verdict. */
const VERDICT_THRESHOLD = 0.005;

export function metricsRows(before: Metrics | null, after: Metrics | null): MetricsRow[] {
  return ROWS.filter((row) => (before?.[row.key] ?? null) !== null || (after?.[row.key] ?? null) !== null).map((row) => {
    const b = before?.[row.key] ?? null;
    const a = after?.[row.key] ?? null;
    let verdict: MetricsRow['verdict'] = null;
    if (a !== null && b !== null && Math.abs(a - b) >= VERDICT_THRESHOLD) verdict = (a > b) === row.higherIsBetter ? 'better' : 'worse';
    return { key: row.key, label: row.label, description: row.description, before: formatPercent(b), after: formatPercent(a), change: formatPointChange(b, a), verdict };
  });
}
