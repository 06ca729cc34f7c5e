/**
 * Unlearning the recovered trigger, without labels. The suspect scan (Neural Cleanse's search,
 * diagnostics/suspectScan.ts) finds the smallest mask and pattern that send the user's images to
 * each class; when one class stands out (isSuspect: anomaly index > 2 and a mask under 0.4 of the
 * median class's), its (mask, pattern) is a stand-in for the attacker's trigger. During
 * distillation a share of the student's images carry it while the teacher sees the same images
 * clean, so the student learns to answer the clean image's answer whatever the trigger says.
 * Neural Cleanse's own mitigation unlearns with true labels; here the teacher's predictions on
 * the clean images take their place. When no class stands out, nothing
 * is stamped and the cleanse is plain BCU. With `unlearnFocus`, only the window of the mask that
 * carries the trigger is stamped, when one does (diagnostics/triggerFocus.ts). With `unlearnWarp`,
 * when a one-pixel warp sends the images to the suspect (suspect/warpTrigger.ts), half the stamped
 * images are warped by it instead: a warp trigger's own form.
 */
import type * as tf from '@tensorflow/tfjs';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { EngineEventSink } from '../../shared/protocol';
import type { SuspectScan } from '../../shared/report';
import type { RecoveredTrigger } from '../training/augment';
import type { ImageSource, Scaling } from '../data/types';
import { scanClassTriggers, type SuspectScanOptions } from '../suspect/suspectScan';
import { warpPlan } from '../suspect/warpTrigger';
import { DIAGNOSTIC_THRESHOLDS } from '../../shared/diagnosticsText';

export interface SuspectUnlearning {
  scan: SuspectScan;
  /** Null when no class stood out. */
  recovered: RecoveredTrigger | null;
}

export async function recoverSuspectTrigger(
  teacher: tf.LayersModel,
  source: ImageSource,
  settings: { unlearnSuspect: number; unlearnFocus?: boolean; unlearnBlend?: boolean; unlearnWarp?: boolean; scaling: Scaling; seed: number; scan?: Partial<SuspectScanOptions> },
  sink: EngineEventSink,
  signal?: AbortSignal,
): Promise<SuspectUnlearning> {
  sink({ type: 'log', level: 'info', message: 'suspect scan: searching each class for a small trigger (Neural Cleanse, no labels)' });
  const { result, triggers, focusedMask, blend, warp } = await scanClassTriggers(teacher, source, {
    ...settings.scan,
    scaling: settings.scaling,
    seed: settings.seed,
    signal,
    focusSuspect: settings.unlearnFocus,
    blendSuspect: settings.unlearnBlend,
    warpSuspect: settings.unlearnWarp,
    onProgress: (p) => sink({ type: 'progress', phase: 'scan', epoch: p.classIndex, epochs: p.classes, step: p.round, steps: p.rounds, imagesPerSecond: null, etaSeconds: p.etaSeconds }),
  });
  const { seconds: _seconds, ...scan } = result;
  if (!scan.suspect) {
    sink({ type: 'log', level: 'info', message: 'suspect scan: no class stands out (anomaly index above 2 with a mask under 0.4 of the median that flips the images, or a one-pixel warp that does); nothing to unlearn' });
    return { scan, recovered: null };
  }
  const found = triggers.find((t) => t.class === scan.suspect!.class)!;
  sink({
    type: 'log',
    level: 'warn',
    message: `suspect scan: class ${scan.suspect.class} stands out (anomaly index ${scan.suspect.anomalyIndex.toFixed(2)}${scan.suspect.evidence === 'warp' ? ', and a one-pixel warp sends the images to it' : ''}); the student learns to ignore its recovered trigger`,
  });
  const focus = scan.focus;
  if (focus) {
    const pct = (v: number) => `${(v * 100).toFixed(0)} %`;
    sink({
      type: 'log',
      level: 'info',
      message: focus.window
        ? `suspect scan: unlearning the ${focus.window.size}x${focus.window.size} window at row ${focus.window.top}, column ${focus.window.left} of the recovered mask (it flips ${pct(focus.flipRate)} of the images, the whole mask ${pct(focus.fullFlipRate)})`
        : `suspect scan: unlearning the whole recovered mask (no single window carries it; the whole mask flips ${pct(focus.fullFlipRate)} of the images)`,
    });
  }
  if (blend) {
    sink({ type: 'log', level: 'info', message: `suspect scan: also unlearning the smallest whole-image blend toward class ${scan.suspect.class} (strength ${blend.alpha.toFixed(3)}, flips ${(blend.flipRate * 100).toFixed(0)} % of the images)` });
  }
  const unlearnedWarp = settings.unlearnWarp && warp !== null && warp.flipRate >= DIAGNOSTIC_THRESHOLDS.suspectWarpFlip ? warp : null;
  if (unlearnedWarp) {
    sink({ type: 'log', level: 'info', message: `suspect scan: also unlearning the recovered one-pixel warp toward class ${scan.suspect.class} (mean shift ${unlearnedWarp.meanShiftPx.toFixed(2)} px, flips ${(unlearnedWarp.flipRate * 100).toFixed(0)} % of the images), on half the stamped images` });
  }
  const alternate = blend ? { mask: new Float32Array(found.mask.length).fill(blend.alpha), pattern: Float32Array.from(blend.pattern, (v) => v * 255) } : undefined;
  return {
    scan,
    recovered: {
      mask: focusedMask ?? found.mask,
      pattern: Float32Array.from(found.pattern, (v) => v * 255),
      share: settings.unlearnSuspect,
      ...(alternate ? { alternate } : {}),
      ...(unlearnedWarp ? { warp: warpPlan(unlearnedWarp.field, source.shape.height, source.shape.width) } : {}),
    },
  };
}

/** Writes a `data:image/png;base64,` trigger image beside report.json; returns its relative name. */
export async function writeTriggerImage(dataUri: string | null | undefined, dir: string, name = 'suspect-trigger.png'): Promise<string | null> {
  const prefix = 'data:image/png;base64,';
  if (!dataUri?.startsWith(prefix)) return null;
  await fs.writeFile(path.join(dir, name), Buffer.from(dataUri.slice(prefix.length), 'base64'));
  return name;
}

/** The scan as report.json keeps it: its images written beside the report, named relative to it. */
export async function writeScanImages(scan: SuspectScan, dir: string): Promise<SuspectScan> {
  return {
    ...scan,
    triggerImage: await writeTriggerImage(scan.triggerImage, dir),
    maskImage: await writeTriggerImage(scan.maskImage, dir, 'suspect-trigger-mask.png'),
    patternImage: await writeTriggerImage(scan.patternImage, dir, 'suspect-trigger-pattern.png'),
    stampedImage: await writeTriggerImage(scan.stampedImage, dir, 'suspect-trigger-stamped.png'),
  };
}
