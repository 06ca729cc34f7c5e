/**
 * Backdoor-transfer watch. A backdoored teacher can leak its target through distillation even on
 * clean images: its soft labels carry a small, systematic pull toward the target class (the
 * "backdoor-transfer" risk noted for knowledge distillation, e.g. Ge et al., "Anti-Distillation
 * Backdoor Attacks", ACM MM 2021). A visible symptom is the student's predictions concentrating on
 * one class more than the teacher's do on the same clean images.
 *
 * Rule (TRANSFER_WATCH_RULE): an epoch is flagged when the student's largest class share exceeds
 * the teacher's by more than `margin` (0.1) AND exceeds `2 / classes` (twice a balanced share, so a
 * 10-class model needs > 20 %). The warning concerns the epoch whose student is kept: on Fashion-MNIST
 * a freshly re-initialized student collapses onto one class for its first epochs and then spreads out
 * (docs/safety-checks.md), so flags on earlier epochs alone are listed in the record but not warned.
 * The rule cannot tell a leaking target from a student that has simply not recovered yet (both are
 * skew on clean images, and the target is unknown without labels): the warning says both.
 */
import type { TransferWatch } from '../../../shared/report';

export const TRANSFER_WATCH_RULE = { margin: 0.1, balancedMultiple: 2 };

export type TransferEpoch = TransferWatch['epochs'][number];

/** True when the student concentrates on one class noticeably more than the teacher (see the rule above). */
export function transferFlagged(e: TransferEpoch, classes: number): boolean {
  return e.studentTopShare > e.teacherTopShare + TRANSFER_WATCH_RULE.margin && e.studentTopShare > TRANSFER_WATCH_RULE.balancedMultiple / Math.max(1, classes);
}

/** Applies the rule to every epoch; warns (into the run record) only when the kept epoch is flagged. */
export function transferWatch(epochs: TransferEpoch[], classes: number, keptEpoch?: number): TransferWatch {
  const kept = epochs.find((e) => e.epoch === (keptEpoch ?? epochs[epochs.length - 1]?.epoch));
  if (!kept || !transferFlagged(kept, classes)) return { epochs, warning: null };
  const flagged = epochs.filter((e) => transferFlagged(e, classes)).map((e) => e.epoch);
  const warning =
    `Possible backdoor transfer or a collapsed student: the kept student (epoch ${kept.epoch}) puts ` +
    `${(kept.studentTopShare * 100).toFixed(0)}% of clean images in class ${kept.studentTopClass}, against the teacher's largest share of ` +
    `${(kept.teacherTopShare * 100).toFixed(0)}% (flagged epochs: ${flagged.join(', ')}). Check the cleansed model's ASR and accuracy if you can, ` +
    `or cleanse with more images or epochs.`;
  return { epochs, warning };
}
