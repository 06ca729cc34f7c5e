/**
 * Unlearning the recovered trigger, without labels. The suspect scan (Neural Cleanse's search,
 * diagnostics/suspectScan.ts) finds the smallest mask and pattern that send the user's images to
 * each class; when one class stands out (anomaly index > 2), its (mask, pattern) is a stand-in for
 * the attacker's trigger. During distillation a share of the student's images carry it while the
 * teacher sees the same images clean, so the student learns to answer the clean image's answer
 * whatever the trigger says. Neural Cleanse's own mitigation unlearns with true labels; here the
 * teacher's predictions on the clean images take their place. When no class stands out, nothing
 * is stamped and the cleanse is plain BCU.
 */
import type * as tf from '@tensorflow/tfjs';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { EngineEventSink } from '../shared/protocol';
import type { SuspectScan } from '../shared/report';
import type { RecoveredTrigger } from './augment';
import type { ImageSource, Scaling } from './data/types';
import { scanClassTriggers, type SuspectScanOptions } from './diagnostics/suspectScan';

export interface SuspectUnlearning {
  scan: SuspectScan;
  /** Null when no class stood out. */
  recovered: RecoveredTrigger | null;
}

export async function recoverSuspectTrigger(
  teacher: tf.LayersModel,
  source: ImageSource,
  settings: { unlearnSuspect: number; scaling: Scaling; seed: number; scan?: Partial<SuspectScanOptions> },
  sink: EngineEventSink,
  signal?: AbortSignal,
): Promise<SuspectUnlearning> {
  sink({ type: 'log', level: 'info', message: 'suspect scan: searching each class for a small trigger (Neural Cleanse, no labels)' });
  const { result, triggers } = await scanClassTriggers(teacher, source, { ...settings.scan, scaling: settings.scaling, seed: settings.seed, signal });
  const { seconds: _seconds, ...scan } = result;
  if (!scan.suspect) {
    sink({ type: 'log', level: 'info', message: 'suspect scan: no class stands out (anomaly index <= 2); nothing to unlearn' });
    return { scan, recovered: null };
  }
  const found = triggers.find((t) => t.class === scan.suspect!.class)!;
  sink({
    type: 'log',
    level: 'warn',
    message: `suspect scan: class ${scan.suspect.class} stands out (anomaly index ${scan.suspect.anomalyIndex.toFixed(2)}); the student learns to ignore its recovered trigger`,
  });
  return {
    scan,
    recovered: { mask: found.mask, pattern: Float32Array.from(found.pattern, (v) => v * 255), share: settings.unlearnSuspect },
  };
}

/** Writes a `data:image/png;base64,` trigger image beside report.json; returns its relative name. */
export async function writeTriggerImage(dataUri: string | null | undefined, dir: string): Promise<string | null> {
  const prefix = 'data:image/png;base64,';
  if (!dataUri?.startsWith(prefix)) return null;
  const name = 'suspect-trigger.png';
  await fs.writeFile(path.join(dir, name), Buffer.from(dataUri.slice(prefix.length), 'base64'));
  return name;
}
