/** The `bcu inspect --data` line about the suspect scan's verdict: which rule named the class, or why none. */
import type { SuspectClass, SuspectScan } from '../shared/report';

const pct = (v: number) => `${(v * 100).toFixed(0)} %`;

export function suspectSummary(suspect: SuspectClass | null, scan: SuspectScan | null | undefined): string {
  const warps = scan?.warpChecks ?? [];
  const warpText = warps.length ? `; one-pixel warp check: ${warps.map((w) => `class ${w.class} ${pct(w.flipRate)}`).join(', ')}` : '';
  if (suspect?.evidence === 'warp') {
    return `suspect: class ${suspect.class} (anomaly index ${suspect.anomalyIndex.toFixed(2)}; no mask is under 0.4 of the median class's, but a one-pixel warp flips the images${warpText})`;
  }
  if (suspect) {
    return `suspect: class ${suspect.class} (anomaly index ${suspect.anomalyIndex.toFixed(2)} > 2, mask under 0.4 of the median class's, flips 95 % of the images)`;
  }
  return `suspect: none (no class with anomaly index above 2 and a mask under 0.4 of the median that flips the images, nor one a one-pixel warp sends the images to${warpText})`;
}
