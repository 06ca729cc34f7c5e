/**
 * When a layer's diagnostics earn a warning: one rule per figure, thresholds in
 * src/shared/diagnosticsText.ts (DIAGNOSTIC_THRESHOLDS) so the panel shows the same cut-offs.
 *   - lipschitzZ > 3: CLP's rule (Zheng et al., ECCV 2022, u = 3): one channel's bound stands far
 *     above the layer's others, the signature of a backdoor-sensitive channel;
 *   - bnDivergence > 0.1: the images' statistics at this BatchNorm differ from the stored training
 *     statistics (calibration in docs/diagnostics.md);
 *   - deadShare > 0.5: most channels never fire on these images (pruned-looking layer, or images
 *     unlike the training data).
 */
import { DIAGNOSTIC_THRESHOLDS } from '../../shared/diagnosticsText';

export interface LayerFigures {
  lipschitzZ?: number | null;
  /** Channel with the largest Lipschitz bound (for the message). */
  lipschitzChannel?: number | null;
  bnDivergence?: number | null;
  deadShare?: number | null;
}

/** The warning text for a layer, or null when no rule fires. Several rules join with "; ". */
export function layerWarning(f: LayerFigures): string | null {
  const reasons: string[] = [];
  if (f.lipschitzZ != null && f.lipschitzZ > DIAGNOSTIC_THRESHOLDS.lipschitzZ) {
    const which = f.lipschitzChannel != null ? `channel ${f.lipschitzChannel}'s` : 'one channel\'s';
    reasons.push(`${which} Lipschitz bound is ${f.lipschitzZ.toFixed(1)} std above the layer mean: a backdoor-like sensitive channel (CLP)`);
  }
  if (f.bnDivergence != null && f.bnDivergence > DIAGNOSTIC_THRESHOLDS.bnDivergence) {
    reasons.push(`images differ from training statistics here (BatchNorm divergence ${f.bnDivergence.toFixed(2)} > ${DIAGNOSTIC_THRESHOLDS.bnDivergence})`);
  }
  if (f.deadShare != null && f.deadShare > DIAGNOSTIC_THRESHOLDS.deadShare) {
    reasons.push(`${Math.round(f.deadShare * 100)} % of channels never fire on these images (dead channels)`);
  }
  return reasons.length > 0 ? reasons.join('; ') : null;
}
