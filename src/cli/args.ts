/**
 * A small, strict flag parser over the settings table (src/shared/settings.ts): `--name value`,
 * `--name=value`, boolean `--flag`. Unknown flags, missing values, repeated flags and values out of
 * the table's range are InputErrors (exit code 2) that name the flag. Values come back under the
 * table's keys, which are the job params' names.
 */
import { InputError } from '../engine/errors';
import { helpOf, JOBS, rangeText, settingProblem, type Job, type SettingRow } from '../shared/settings';

/** Switches of the command line itself, not settings of a job. */
export const CLI_SWITCHES: readonly SettingRow[] = [
  { flag: 'json', key: 'json', type: 'boolean', jobs: JOBS, help: 'print JSON lines (events, then a result line)' },
  { flag: 'help', key: 'help', type: 'boolean', jobs: JOBS, help: 'show this help' },
];

export type ParsedFlags = Record<string, string | number | boolean | undefined>;

export function parseFlags(command: Job, argv: string[], rows: readonly SettingRow[]): ParsedFlags {
  const out: ParsedFlags = {};
  const byFlag = new Map(rows.map((row) => [row.flag, row]));
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i];
    if (!token.startsWith('--')) {
      throw new InputError(`unexpected argument "${token}"; flags start with --. Run bcu ${command} --help.`);
    }
    const eq = token.indexOf('=');
    const name = token.slice(2, eq > 0 ? eq : undefined);
    const row = byFlag.get(name);
    if (!row) throw new InputError(`unknown flag --${name}. Run bcu ${command} --help.`);
    if (row.key in out) throw new InputError(`--${name} is given more than once; give it once.`);
    if (row.type === 'boolean') {
      out[row.key] = eq > 0 ? token.slice(eq + 1) !== 'false' : true;
      continue;
    }
    const raw = eq > 0 ? token.slice(eq + 1) : argv[++i];
    if (raw === undefined || (eq < 0 && raw.startsWith('--'))) throw new InputError(`--${name} needs a value (${helpOf(row, command)})`);
    out[row.key] = convert(row, raw);
  }
  // `--help` answers with the flag list, whatever else is missing.
  if (out.help === true) return out;
  for (const row of rows) {
    if (row.required?.includes(command) && out[row.key] === undefined) throw new InputError(`--${row.flag} is required (${helpOf(row, command)})`);
  }
  return out;
}

function convert(row: SettingRow, raw: string): string | number {
  if (row.type !== 'int' && row.type !== 'number') {
    const problem = row.type === 'choice' ? settingProblem(row, raw, `"${raw}"`) : undefined;
    if (problem) throw new InputError(problem);
    return raw;
  }
  const value = raw.trim() === '' ? NaN : Number(raw);
  const problem = settingProblem(row, value, `"${raw}"`);
  if (problem) throw new InputError(problem);
  return value;
}

export function usage(command: Job, summary: string, rows: readonly SettingRow[]): string {
  const lines = rows.map((row) => {
    const value = row.type === 'boolean' ? '' : row.type === 'choice' ? ` <${(row.choices ?? []).join('|')}>` : row.type === 'int' || row.type === 'number' ? ' <n>' : ' <value>';
    const notes = [
      row.type === 'int' || row.type === 'number' ? rangeText(row).replace(/^an? /, '') : '',
      row.default !== undefined && row.type !== 'boolean' ? `default ${row.default}` : '',
    ].filter(Boolean);
    return `  --${(row.flag + value).padEnd(30)} ${row.required?.includes(command) ? '(required) ' : ''}${helpOf(row, command)}${notes.length ? ` [${notes.join('; ')}]` : ''}`;
  });
  return `bcu ${command}: ${summary}\n\n${lines.join('\n')}\n`;
}
