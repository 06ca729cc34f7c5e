/**
 * The data check as a gate: when the teacher's answers on the user's images look out of
 * distribution (unsure, spread out, or piled on one class; diagnostics/dataQuality.ts), distilling
 * on them can destroy the model (measured: a VGG BadNets model fell from 89 % to 39 % ACC on MNIST
 * digits). The cleanse then stops before training unless the user accepts the warning, and with
 * the warning accepted it runs milder settings. Too few images alone only warns: that is about
 * amount, not about the images being wrong.
 */
import type { DataQuality } from '../../shared/report';
import type { CleanseDefaults } from './cleanseDefaults';
import { DATA_QUALITY_RULES } from '../diagnostics/dataQuality';

/** True when a distribution rule of the data check fired (not the image-count rule). */
export function outOfDistribution(q: DataQuality): boolean {
  const classes = q.classShares.length;
  return (
    q.meanConfidence < DATA_QUALITY_RULES.minMeanConfidence ||
    q.meanEntropy > DATA_QUALITY_RULES.maxMeanEntropy ||
    (classes > 1 && q.topClassShare > Math.max(DATA_QUALITY_RULES.maxTopClassShare, 2 / classes))
  );
}

export function dataGateMessage(dataPath: string, q: DataQuality): string {
  return (
    `The data check failed on ${dataPath}: ${q.reasons.join(' ')} The cleanse stopped before training, because distilling ` +
    'on images the model does not recognize can destroy it. Use images like the ones it was trained on, or accept the ' +
    'warning (--accept-data-warning; in the panel, confirm) to go on with milder settings.'
  );
}

/**
 * What changes when the warning is accepted, for settings the user left at their default:
 *  - BatchNorm statistics are never recomputed from these images (they would describe the wrong domain);
 *  - a third of the default re-initialization, so the student keeps more of the teacher's clean
 *    task, which such images cannot teach back; the recovered-trigger unlearning still runs.
 */
export function mildSettings(settings: CleanseDefaults, userSet: (key: string) => boolean): { changes: Record<string, unknown>; text: string } {
  const changes: Record<string, unknown> = {};
  if (settings.bnRecalibration > 0 && !userSet('bnRecalibrate')) changes.bnRecalibration = 0;
  const schedule = { ...settings.schedule };
  if (!userSet('ratioDeepest')) schedule.deepest = settings.schedule.deepest / 3;
  if (!userSet('ratioStem')) schedule.stem = settings.schedule.stem / 3;
  if (!userSet('ratioClassifier')) schedule.classifier = settings.schedule.classifier / 3;
  if (JSON.stringify(schedule) !== JSON.stringify(settings.schedule)) changes.schedule = schedule;
  const parts = [];
  if ('bnRecalibration' in changes) parts.push('no BatchNorm recalibration on these images');
  if (changes.schedule) parts.push(`re-initialization ratios divided by 3 (deepest stage ${schedule.deepest.toFixed(3)})`);
  return { changes, text: parts.length ? `data warning accepted: milder settings (${parts.join('; ')})` : 'data warning accepted: settings as given' };
}
