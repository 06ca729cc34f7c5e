/**
 * The hidden folder a job writes into before its output is renamed into place:
 * `.<out name>.tmp-<pid>-<random>` beside `--out`. The engine creates it (src/engine/run/outputDir.ts);
 * the host removes the ones a killed worker left (src/extension/stagingLeftovers.ts). Both build and
 * recognize the name here.
 */

/** The start of every staging folder name a process `pid` makes for the output folder `outName`. */
export function stagingFolderPrefix(outName: string, pid: number): string {
  return `.${outName}.tmp-${pid}-`;
}

/** A staging folder's name for `outName`, made by process `pid`, with a random tail. */
export function stagingFolderName(outName: string, pid: number, random: string): string {
  return stagingFolderPrefix(outName, pid) + random;
}

/** Any job's staging folder name, e.g. `.out.tmp-1234-ab12cd`. */
export const STAGING_FOLDER_NAME = /^\..+\.tmp-\d+-/;
