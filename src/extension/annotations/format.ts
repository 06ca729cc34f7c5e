/** Number formatting shared by the annotations: percentages as "97.1 %", counts with separators. */
export function percent(fraction: number | null | undefined, digits = 1): string {
  return typeof fraction === 'number' && Number.isFinite(fraction) ? `${(fraction * 100).toFixed(digits)} %` : 'n/a';
}

export function count(value: number): string {
  return value.toLocaleString('en-US');
}

/** A figure with 3 decimals, or 3 significant digits when tiny or huge: 0.1234 -> "0.123", 12345.6 -> "1.23e+4". */
export function decimal(value: number): string {
  const abs = Math.abs(value);
  return abs !== 0 && (abs < 1e-3 || abs >= 1e4) ? value.toExponential(2) : value.toFixed(3);
}
