/** The fields every run record (report.json) starts with, whichever job wrote it. */
import { REPORT_SCHEMA_VERSION, type RunRecord, type RunKind } from '../../shared/report';
import { TOOL_VERSION } from '../version';

export function recordHeader(kind: RunKind): Pick<RunRecord, 'schemaVersion' | 'kind' | 'tool' | 'createdAt'> {
  return {
    schemaVersion: REPORT_SCHEMA_VERSION,
    kind,
    tool: { name: 'backdoor-cleanse', version: TOOL_VERSION },
    createdAt: new Date().toISOString(),
  };
}
