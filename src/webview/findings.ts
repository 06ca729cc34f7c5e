/**
 * The run record's verdicts beyond ACC/ASR, in words (pure): whether the images fit the model,
 * the suspected target class (Neural Cleanse, Wang et al. S&P 2019), the backdoor-transfer watch,
 * which epoch was kept and why, and the re-activation probe as a chart spec.
 */
import type { InspectResult } from '../shared/protocol';
import type { RunRecord, DataQuality, ReactivationProbe, SuspectClass, SuspectScan } from '../shared/report';
import type { ChartSpec } from './chartMath';
import { formatNumber, formatPercent } from './format';
import type { InspectFindings, RunFindings } from './state';

/** The findings a report carries, or null when it has none of them (older engines). */
export function findingsOfReport(report: RunRecord): RunFindings | null {
  const findings: RunFindings = {
    dataQuality: report.dataQuality ?? null,
    suspect: report.suspect ?? null,
    transferWatch: report.transferWatch ?? null,
    reactivation: report.reactivation ?? null,
    selection: report.selection ?? null,
    method: report.method ?? null,
  };
  return Object.values(findings).some((value) => value !== null) ? findings : null;
}

/** What an inspect with images found, or null when it ran on the model alone. */
export function inspectFindings(result: InspectResult): InspectFindings | null {
  const findings: InspectFindings = {
    dataQuality: result.dataQuality ?? null,
    suspect: result.suspect ?? result.suspectScan?.suspect ?? null,
    suspectScan: result.suspectScan ?? null,
  };
  return Object.values(findings).some((value) => value !== null) ? findings : null;
}

export interface DataQualityView {
  verdict: 'ok' | 'warn';
  headline: string;
  figures: string;
  reasons: string[];
}

export function dataQualityView(quality: DataQuality): DataQualityView {
  return {
    verdict: quality.verdict,
    headline: quality.verdict === 'ok' ? 'The images fit the model.' : 'The images may not fit the model.',
    figures: `${quality.images} images: mean confidence ${formatPercent(quality.meanConfidence)}, normalized entropy ${formatNumber(quality.meanEntropy, 2)}, largest class share ${formatPercent(quality.topClassShare)}`,
    reasons: quality.reasons,
  };
}

/** "Class 3 stands out (anomaly index 4.12 > 2): …" or that none does. */
export function suspectLine(suspect: SuspectClass | null | undefined, scanned: boolean): string {
  if (suspect?.evidence === 'warp') {
    return `Suspected target: class ${suspect.class} (anomaly index ${formatNumber(suspect.anomalyIndex, 3)}): a warp of at most one pixel, the same for every image, sends your images to it (a warping trigger, as WaNet's).`;
  }
  if (suspect) {
    return `Suspected target: class ${suspect.class} (anomaly index ${formatNumber(suspect.anomalyIndex, 3)}, above 2): a much smaller patch sends images to it than to any other class.`;
  }
  return scanned ? 'No class stands out: no class needs a trigger under 0.4 of the typical size with an anomaly index above 2, and no one-pixel warp sends the images to one class.' : '';
}

/** What the cleanse unlearned of the recovered trigger (empty when it did not focus). */
export function focusLine(scan: SuspectScan | null | undefined): string {
  const focus = scan?.focus;
  if (!focus) return '';
  return focus.window
    ? `Unlearned the ${focus.window.size}x${focus.window.size} window at row ${focus.window.top}, column ${focus.window.left} of the recovered trigger: it flips ${formatPercent(focus.flipRate)} of your images to the class (the whole mask ${formatPercent(focus.fullFlipRate)}).`
    : `Unlearned the whole recovered trigger: no single window carries it (it flips ${formatPercent(focus.fullFlipRate)} of your images to the class).`;
}

/** The scan's trigger image, only when it is an inline PNG (the panel's CSP loads nothing else). */
export function triggerImageOf(scan: SuspectScan | null | undefined): string | null {
  const image = scan?.triggerImage;
  return typeof image === 'string' && image.startsWith('data:image/png;base64,') ? image : null;
}

export interface TriggerPicture {
  key: 'mask' | 'pattern' | 'stamped';
  src: string;
  caption: string;
}

/**
 * The recovered trigger as three pictures side by side (mask, pattern, one of the user's images
 * with it stamped on), only those present as inline PNGs, and the class's flip rate.
 */
export function triggerPictures(scan: SuspectScan | null | undefined): { pictures: TriggerPicture[]; cls: number | null; flipRate: number | null } {
  if (!scan) return { pictures: [], cls: null, flipRate: null };
  const inline = (image: string | null | undefined) => (typeof image === 'string' && image.startsWith('data:image/png;base64,') ? image : null);
  const shownClass = scan.suspect?.class ?? smallestMaskClass(scan);
  const entry = scan.perClass.find((c) => c.class === shownClass);
  const candidates: [TriggerPicture['key'], string | null, string][] = [
    ['mask', inline(scan.maskImage), 'mask (white: where it is stamped)'],
    ['pattern', inline(scan.patternImage), 'pattern'],
    ['stamped', inline(scan.stampedImage), 'your image, trigger stamped on'],
  ];
  return {
    pictures: candidates.filter((c): c is [TriggerPicture['key'], string, string] => c[1] !== null).map(([key, src, caption]) => ({ key, src, caption })),
    cls: shownClass,
    flipRate: entry ? entry.flipRate : null,
  };
}

function smallestMaskClass(scan: SuspectScan): number | null {
  if (scan.perClass.length === 0) return null;
  return scan.perClass.reduce((best, c) => (c.maskL1 < best.maskL1 ? c : best)).class;
}

export function selectionLine(selection: RunFindings['selection']): string {
  return selection ? `Kept the student of epoch ${selection.epoch}: ${selection.rule}` : '';
}

/** The re-activation probe: ASR against fine-tuning steps, attacked model vs cleansed model. */
export function reactivationChart(probe: ReactivationProbe): ChartSpec {
  const points = (values: readonly number[]) => probe.steps.map((x, i) => ({ x, y: Number.isFinite(values[i]) ? values[i] : null }));
  const last = probe.steps.length > 0 ? Math.max(...probe.steps) : 1;
  return {
    xDomain: [Math.min(0, ...probe.steps), Math.max(1, last)],
    yDomain: [0, 1],
    formatX: (value) => String(Math.round(value)),
    formatY: (value) => `${Math.round(value * 100)}%`,
    series: [
      { id: 'reactivation-attacked', label: 'attacked model', tone: 'red', dots: true, points: points(probe.attackedAsr) },
      { id: 'reactivation-cleansed', label: 'defended model', tone: 'green', dots: true, points: points(probe.cleansedAsr) },
    ],
  };
}

/** "Pruned 12 channels: conv2 8, conv3 4" (layers with most first), or '' when nothing was pruned. */
export function prunedLine(pruned: Record<string, number[]> | null | undefined): string {
  const layers = Object.entries(pruned ?? {}).filter(([, channels]) => channels.length > 0);
  if (layers.length === 0) return '';
  const total = layers.reduce((sum, [, channels]) => sum + channels.length, 0);
  const parts = layers.sort((a, b) => b[1].length - a[1].length).map(([name, channels]) => `${name} ${channels.length}`);
  return `Pruned ${total} ${total === 1 ? 'channel' : 'channels'}: ${parts.join(', ')}`;
}
