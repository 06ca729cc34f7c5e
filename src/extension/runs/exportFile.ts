/** A file name not taken yet: report.md, report-2.md, report-3.md... Pure (the check is passed in). */
import * as path from 'node:path';

export function uniqueFile(file: string, exists: (candidate: string) => boolean): string {
  if (!exists(file)) return file;
  const ext = path.extname(file);
  const base = file.slice(0, file.length - ext.length);
  for (let n = 2; ; n++) {
    const candidate = `${base}-${n}${ext}`;
    if (!exists(candidate)) return candidate;
  }
}
