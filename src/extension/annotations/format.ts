/** Number formatting shared by the annotations: percentages as "97.1 %", counts with separators. */
export function percent(fraction: number | null | undefined, digits = 1): string {
  return typeof fraction === 'number' && Number.isFinite(fraction) ? `${(fraction * 100).toFixed(digits)} %` : 'n/a';
}

export function count(value: number): string {
  return value.toLocaleString('en-US');
}
