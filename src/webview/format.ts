/** Number formatting for the panel: short, fixed-width-ish, and honest about missing values. */

export const MISSING = '—';

/** 0.9312 -> "93.1%"; null -> "—". */
export function formatPercent(value: number | null | undefined, digits = 1): string {
  return value === null || value === undefined || !Number.isFinite(value) ? MISSING : `${(value * 100).toFixed(digits)}%`;
}

/** Difference of two fractions in percentage points, signed: "+2.3 pp", "−41.0 pp". */
export function formatPointChange(before: number | null | undefined, after: number | null | undefined): string {
  if (before === null || before === undefined || after === null || after === undefined) return MISSING;
  const delta = (after - before) * 100;
  const sign = delta > 0.05 ? '+' : delta < -0.05 ? '−' : '±';
  return `${sign}${Math.abs(delta).toFixed(1)} pp`;
}

/** 1234567 -> "1.23 M", 5130 -> "5.13 k", 99 -> "99". */
export function formatCount(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return MISSING;
  const abs = Math.abs(value);
  if (abs >= 1e9) return `${(value / 1e9).toFixed(2)} G`;
  if (abs >= 1e6) return `${(value / 1e6).toFixed(2)} M`;
  if (abs >= 1e4) return `${(value / 1e3).toFixed(1)} k`;
  return String(Math.round(value));
}

/** A plain number with at most `digits` significant digits: 0.012345 -> "0.0123". */
export function formatNumber(value: number | null | undefined, digits = 3): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return MISSING;
  if (value === 0) return '0';
  const abs = Math.abs(value);
  if (abs >= 1e5 || abs < 1e-4) return value.toExponential(Math.max(0, digits - 1));
  return String(Number(value.toPrecision(digits)));
}

/** Seconds -> "42 s", "3 min 05 s", "1 h 02 min". */
export function formatDuration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds) || seconds < 0) return MISSING;
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  const minutes = Math.floor(s / 60);
  if (minutes < 60) return `${minutes} min ${String(s % 60).padStart(2, '0')} s`;
  return `${Math.floor(minutes / 60)} h ${String(minutes % 60).padStart(2, '0')} min`;
}

/** Images per second: "123 img/s", "4.5 img/s". */
export function formatRate(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return MISSING;
  return `${value >= 100 ? Math.round(value) : value.toFixed(1)} img/s`;
}

/** A ratio as a person would type it: 0.030000000000000002 -> "0.03", 0.3 -> "0.3" (never "0.0300000"). */
export function formatRatio(value: number): string {
  return Number.isFinite(value) ? String(Number(value.toPrecision(6))) : '';
}
