/**
 * The panel shows a run's recovered trigger as an <img>, but its CSP allows images only as
 * `data:` URIs (nothing from disk). report.json names the PNG relative to itself, so the host
 * inlines it before the report reaches the webview. Only small PNG files are inlined.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { EngineEvent } from '../../shared/protocol';
import type { RunRecord } from '../../shared/report';

/** A trigger image is a few hundred bytes; anything near this is not one. */
export const MAX_INLINE_IMAGE_BYTES = 1 << 20;

export type ReadFile = (file: string) => Buffer;

/** `data:image/png;base64,...` for a PNG next to the report, or null when it is not one. */
export function pngDataUri(reference: string, reportPath: string, read: ReadFile = fs.readFileSync): string | null {
  if (reference.startsWith('data:image/png;base64,')) return reference;
  if (!/\.png$/i.test(reference)) return null;
  const file = path.isAbsolute(reference) ? reference : path.resolve(path.dirname(reportPath), reference);
  try {
    const bytes = read(file);
    const isPng = bytes.length > 8 && bytes.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    if (!isPng || bytes.length > MAX_INLINE_IMAGE_BYTES) return null;
    return `data:image/png;base64,${bytes.toString('base64')}`;
  } catch {
    return null;
  }
}

const SCAN_IMAGES = ['triggerImage', 'maskImage', 'patternImage', 'stampedImage'] as const;

/** The report with its suspect scan's images as data: URIs (a copy; the input is left alone). */
export function inlineReportImages(report: RunRecord, reportPath: string, read?: ReadFile): RunRecord {
  const scan = report.suspect;
  if (!scan) return report;
  const onDisk = SCAN_IMAGES.filter((key) => typeof scan[key] === 'string' && !scan[key]!.startsWith('data:'));
  if (onDisk.length === 0) return report;
  const inlined = { ...scan };
  for (const key of onDisk) inlined[key] = pngDataUri(scan[key]!, reportPath, read);
  return { ...report, suspect: inlined };
}

/** Engine events as the webview gets them: a 'report' event has its images inlined. */
export function inlineEventImages(event: EngineEvent, read?: ReadFile): EngineEvent {
  return event.type === 'report' ? { ...event, report: inlineReportImages(event.report, event.path, read) } : event;
}
