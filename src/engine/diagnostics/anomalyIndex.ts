/**
 * Neural Cleanse's outlier rule (Wang et al., "Neural Cleanse", IEEE S&P 2019, Sec. IV): the
 * anomaly index of a class is its mask norm's distance below the median of all classes, in units
 * of the median absolute deviation times 1.4826 (the consistency constant that makes MAD estimate
 * a normal distribution's std). Only the small side counts: a backdoor makes its target class
 * reachable by an abnormally SMALL trigger. Values are signed: negative means a larger mask than
 * the median, never suspicious. Above 2 (NC's cut-off, ~95 % under normality) is an outlier.
 */
export const MAD_CONSISTENCY = 1.4826;

/**
 * Floor on the MAD as a share of the median: when all classes need nearly the same mask (MAD ~ 0)
 * a difference of a few percent would otherwise read as a huge index. Not in the paper; see
 * docs/diagnostics.md.
 */
export const MIN_RELATIVE_MAD = 0.05;

export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const n = s.length;
  if (n === 0) return 0;
  return n % 2 === 1 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

/** Signed anomaly index per value (positive: below the median). */
export function anomalyIndices(norms: number[]): number[] {
  const m = median(norms);
  const mad = MAD_CONSISTENCY * median(norms.map((v) => Math.abs(v - m)));
  const scale = Math.max(mad, MIN_RELATIVE_MAD * Math.abs(m), 1e-12);
  return norms.map((v) => (m - v) / scale);
}
