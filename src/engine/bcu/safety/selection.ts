/**
 * Label-free model selection and early stopping for the distillation. Users have no labels, so the
 * epoch to keep is chosen from signals the teacher alone provides, measured on a fixed set of the
 * user's images in inference mode (epochProbe.ts):
 *  - agreement: teacher-student top-1 agreement (the student's fit of the clean task the teacher
 *    shows on these images);
 *  - loss plateau: the epoch's distillation loss times T^2, which removes the 1/T^2 scale of the KL
 *    at temperature T (Hinton et al., "Distilling the Knowledge in a Neural Network", 2015), so
 *    epochs at different temperatures compare;
 *  - prediction skew: epochs the transfer watch flags (transferWatch.ts) are never kept.
 *
 * SELECTION_RULE, in words:
 *  keep  = among unflagged epochs (all, if every epoch is flagged), the one with the highest
 *          agreement; agreements within `tie` of the best count as equal and the later epoch wins
 *          (its learning rate has decayed further);
 *  stop  = after epoch e >= `minEpochs`, when the best agreement has not risen by `minGain` over the
 *          last `patience` epochs AND the T^2-scaled loss has not fallen by `minLossDrop` (relative)
 *          over those epochs: the student has stopped getting closer to the teacher.
 * Early stopping in the spirit of Prechelt, "Early Stopping - But When?" (1998), with agreement in
 * place of a labeled validation error.
 */
import * as tf from '@tensorflow/tfjs';

export const SELECTION_RULE = { minEpochs: 3, patience: 2, minGain: 0.005, minLossDrop: 0.05, tie: 0.002 };

export interface SelectionEpoch {
  epoch: number;
  agreement: number;
  loss: number;
  temperature: number;
  /** The transfer watch flagged this epoch (prediction skew). */
  skewed: boolean;
}

/** The rule in one line, for the run record's `selection.rule`. */
export function selectionRuleText(probeImages: number): string {
  const r = SELECTION_RULE;
  return (
    `highest teacher-student agreement on ${probeImages} of the user's images among epochs the transfer watch did not flag (ties within ${r.tie}: later epoch); ` +
    `stop when agreement gained < ${r.minGain} and T^2-scaled loss fell < ${r.minLossDrop * 100}% over ${r.patience} epochs (from epoch ${r.minEpochs}); no labels used`
  );
}

/** The epoch to keep (1-based epoch number) from the history so far. */
export function chooseEpoch(history: SelectionEpoch[]): number {
  if (history.length === 0) throw new Error('chooseEpoch: no epochs');
  const clean = history.filter((e) => !e.skewed);
  const pool = clean.length ? clean : history;
  const best = Math.max(...pool.map((e) => e.agreement));
  const near = pool.filter((e) => e.agreement >= best - SELECTION_RULE.tie);
  return near[near.length - 1].epoch;
}

/** True when the rule says further epochs will not help (see SELECTION_RULE). */
export function shouldStop(history: SelectionEpoch[]): boolean {
  const { minEpochs, patience, minGain, minLossDrop } = SELECTION_RULE;
  if (history.length < Math.max(minEpochs, patience + 1)) return false;
  const before = history.slice(0, history.length - patience);
  const bestBefore = Math.max(...before.map((e) => e.agreement));
  const bestNow = Math.max(...history.map((e) => e.agreement));
  const scaled = (e: SelectionEpoch) => e.loss * e.temperature * e.temperature;
  const lossThen = scaled(before[before.length - 1]);
  const lossNow = Math.min(...history.slice(-patience).map(scaled));
  const lossDrop = lossThen > 0 ? (lossThen - lossNow) / lossThen : 0;
  return bestNow - bestBefore < minGain && lossDrop < minLossDrop;
}

/**
 * Holds a copy of the student's weights (trainable and BatchNorm statistics) from the epoch the
 * rule currently keeps; older copies are disposed as soon as a newer epoch wins.
 */
export class BestEpochKeeper {
  private kept: { epoch: number; weights: tf.Tensor[] } | null = null;

  get epoch(): number | null {
    return this.kept?.epoch ?? null;
  }

  /** Copies `model`'s weights if `epoch` is the one to keep now. */
  offer(model: tf.LayersModel, epoch: number, chosen: number): void {
    if (epoch !== chosen || this.kept?.epoch === epoch) return;
    this.dispose();
    this.kept = { epoch, weights: model.getWeights().map((w) => w.clone()) };
  }

  /** Writes the kept weights back into `model` (when the kept epoch is not its current state). */
  restoreInto(model: tf.LayersModel): void {
    if (this.kept) model.setWeights(this.kept.weights);
  }

  dispose(): void {
    if (this.kept) tf.dispose(this.kept.weights);
    this.kept = null;
  }
}
