/**
 * The CodeLenses at the top of a model.json that was cleansed or evaluated (or is a cleansed copy):
 * the last result, "Open report", "Cleanse again". Pure: records in, lens specs out; command
 * arguments are file paths the provider turns into URIs.
 */
import * as path from 'node:path';
import type { ReportRecord } from '../services';
import { recordAlerts, summarizeRecord } from './recordSummary';

export const COMMAND_CLEANSE = 'backdoorCleanse.cleanseModel';
export const COMMAND_OPEN_REPORT = 'backdoorCleanse.openReport';
export const COMMAND_OPEN_FILE = 'vscode.open';

export interface LensSpec {
  line: number;
  character: number;
  title: string;
  /** No command: a plain label. */
  command?: { id: string; paths: string[] };
  tooltip?: string;
}

export interface ModelRecords {
  /** Latest cleanse of this model (it is `inputs.model`). */
  cleanse?: ReportRecord;
  /** Latest defense (`bcu defend`, kind 'defend') of this model. */
  defend?: ReportRecord;
  /** Latest evaluation of this model. */
  evaluate?: ReportRecord;
  /** The cleanse (or defense) that produced this model (it is `outputs.model`). */
  producer?: ReportRecord;
}

/** The most recent of the records, which the summary lens describes. */
function newest(...records: (ReportRecord | undefined)[]): ReportRecord | undefined {
  return records.filter((r): r is ReportRecord => !!r).sort((a, b) => b.report.createdAt.localeCompare(a.report.createdAt))[0];
}

export function buildModelLenses(modelPath: string, records: ModelRecords): LensSpec[] {
  const at = { line: 0, character: 0 };
  const lenses: LensSpec[] = [];
  const own = newest(records.cleanse, records.defend, records.evaluate);
  if (own) {
    lenses.push({ ...at, title: `Backdoor Cleanse: ${summarizeRecord(own.report)}`, tooltip: `${own.report.kind} of ${own.report.createdAt}` });
    lenses.push(...alertLenses(own));
    lenses.push({ ...at, title: 'Open report', command: { id: COMMAND_OPEN_REPORT, paths: [own.path] } });
    const output = records.cleanse?.report.outputs.model;
    if (output) lenses.push({ ...at, title: `Cleansed copy: ${relative(modelPath, output)}`, command: { id: COMMAND_OPEN_FILE, paths: [output] } });
    const defended = records.defend?.report.outputs.model;
    if (defended) lenses.push({ ...at, title: `Defended copy: ${relative(modelPath, defended)}`, command: { id: COMMAND_OPEN_FILE, paths: [defended] } });
    lenses.push({ ...at, title: 'Cleanse again', command: { id: COMMAND_CLEANSE, paths: [modelPath] } });
  } else if (records.producer) {
    const { report } = records.producer;
    const copy = report.kind === 'defend' ? 'defended copy' : 'cleansed copy';
    lenses.push({ ...at, title: `Backdoor Cleanse: ${copy} of ${relative(modelPath, report.inputs.model)}, ${summarizeRecord(report)}` });
    lenses.push(...alertLenses(records.producer));
    lenses.push({ ...at, title: 'Open report', command: { id: COMMAND_OPEN_REPORT, paths: [records.producer.path] } });
  }
  return lenses;
}

/** The record's warnings worth a line of their own: the suspected target class, a data-quality warning. */
function alertLenses(record: ReportRecord): LensSpec[] {
  return recordAlerts(record.report).map((alert) => ({ line: 0, character: 0, title: alert.title, tooltip: alert.tooltip, command: { id: COMMAND_OPEN_REPORT, paths: [record.path] } }));
}

/** A path as seen from the folder of `fromFile`, for short titles. */
export function relative(fromFile: string, target: string): string {
  const rel = path.relative(path.dirname(fromFile), target);
  return rel && !rel.startsWith('..' + path.sep + '..') ? rel : target;
}
