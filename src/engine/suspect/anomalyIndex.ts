/**
 * Neural Cleanse's outlier rule (Wang et al., "Neural Cleanse", IEEE S&P 2019, Sec. IV), on the
 * log of the mask norms: the anomaly index of a class is how far its log mask norm lies below the
 * median of all classes, in units of the median absolute deviation times 1.4826 (the consistency
 * constant that makes MAD estimate a normal distribution's std). Only the small side counts: a
 * backdoor makes its target class reachable by an abnormally SMALL trigger. Values are signed:
 * negative means a larger mask than the median, never suspicious. Above 2 (NC's cut-off) is an
 * outlier.
 *
 * Why the log (our change; NC uses the norms themselves): classes differ by factors, not by fixed
 * amounts, and on the linear scale the spread of the large masks sets the unit. Measured on
 * Fashion-MNIST (docs/diagnostics.md): a BadNets small CNN had a 25-pixel mask against 78-176 for
 * the rest, linear index 1.77 (missed), log index 3.80; a clean small CNN's smallest class (87 vs
 * 110-174) had linear 2.05 (a false alarm), log 1.78.
 */
export const MAD_CONSISTENCY = 1.4826;

/**
 * Floor on the MAD, in log units (a 5 % relative spread): when all classes need nearly the same
 * mask (MAD ~ 0) a difference of a few percent would otherwise read as a huge index. Not in the
 * paper; see docs/diagnostics.md.
 */
export const MIN_LOG_MAD = Math.log(1.05);

/** Mask norms below this (a class every image already lands in has 0) count as this, so the log stays finite. */
export const MIN_NORM = 0.5;

export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const n = s.length;
  if (n === 0) return 0;
  return n % 2 === 1 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

/** Signed anomaly index per mask norm (positive: below the median). */
export function anomalyIndices(norms: number[]): number[] {
  const logs = norms.map((v) => Math.log(Math.max(v, MIN_NORM)));
  const m = median(logs);
  const mad = MAD_CONSISTENCY * median(logs.map((v) => Math.abs(v - m)));
  const scale = Math.max(mad, MIN_LOG_MAD);
  return logs.map((v) => (m - v) / scale);
}
