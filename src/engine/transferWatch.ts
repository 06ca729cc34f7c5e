/**
 * Backdoor-transfer watch. A backdoored teacher can leak its target through distillation even on
 * clean images: its soft labels carry a small, systematic pull toward the target class (the
 * "backdoor-transfer" risk noted for knowledge distillation, e.g. Ge et al., "Anti-Distillation
 * Backdoor Attacks", ACM MM 2021). A visible symptom is the student's predictions concentrating on
 * one class more than the teacher's do on the same clean images.
 *
 * Rule (TRANSFER_WATCH_RULE): an epoch is flagged when the student's largest class share exceeds
 * the teacher's by more than `margin` (0.1) AND exceeds `2 / classes` (twice a balanced share, so a
 * 10-class model needs > 20 %). Any flagged epoch produces one warning naming the epochs and class.
 */
import type { TransferWatch } from '../shared/report';

export const TRANSFER_WATCH_RULE = { margin: 0.1, balancedMultiple: 2 };

export type TransferEpoch = TransferWatch['epochs'][number];

/** True when the student concentrates on one class noticeably more than the teacher (see the rule above). */
export function transferFlagged(e: TransferEpoch, classes: number): boolean {
  return e.studentTopShare > e.teacherTopShare + TRANSFER_WATCH_RULE.margin && e.studentTopShare > TRANSFER_WATCH_RULE.balancedMultiple / Math.max(1, classes);
}

/** Applies the rule to every epoch; the warning (or null) is what goes into the run record. */
export function transferWatch(epochs: TransferEpoch[], classes: number): TransferWatch {
  const flagged = epochs.filter((e) => transferFlagged(e, classes));
  if (flagged.length === 0) return { epochs, warning: null };
  const worst = flagged.reduce((a, b) => (b.studentTopShare > a.studentTopShare ? b : a));
  const warning =
    `Possible backdoor transfer: in epoch${flagged.length > 1 ? 's' : ''} ${flagged.map((e) => e.epoch).join(', ')} the student put ` +
    `${(worst.studentTopShare * 100).toFixed(0)}% of clean images in class ${worst.studentTopClass}, against the teacher's largest share of ` +
    `${(worst.teacherTopShare * 100).toFixed(0)}%. Check the cleansed model's ASR if you can, or cleanse with more re-initialization.`;
  return { epochs, warning };
}
