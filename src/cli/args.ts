/**
 * A small, strict flag parser: `--name value`, `--name=value`, boolean `--flag`. Unknown flags,
 * missing values and malformed numbers are InputErrors (exit code 2) that name the flag.
 */
import { InputError } from '../engine/errors';

export type FlagType = 'string' | 'int' | 'number' | 'boolean';

export interface FlagSpec {
  type: FlagType;
  required?: boolean;
  help: string;
}

export type FlagSpecs = Record<string, FlagSpec>;
export type ParsedFlags = Record<string, string | number | boolean | undefined>;

export function parseFlags(command: string, argv: string[], specs: FlagSpecs): ParsedFlags {
  const out: ParsedFlags = {};
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i];
    if (!token.startsWith('--')) {
      throw new InputError(`bcu ${command}: unexpected argument "${token}"; flags start with --. Run bcu ${command} --help.`);
    }
    const eq = token.indexOf('=');
    const name = token.slice(2, eq > 0 ? eq : undefined);
    const spec = specs[name];
    if (!spec) throw new InputError(`bcu ${command}: unknown flag --${name}. Run bcu ${command} --help.`);
    if (spec.type === 'boolean') {
      out[name] = eq > 0 ? token.slice(eq + 1) !== 'false' : true;
      continue;
    }
    const raw = eq > 0 ? token.slice(eq + 1) : argv[++i];
    if (raw === undefined || (eq < 0 && raw.startsWith('--'))) throw new InputError(`bcu ${command}: --${name} needs a value (${spec.help})`);
    out[name] = convert(command, name, spec.type, raw);
  }
  // `--help` answers with the flag list, whatever else is missing.
  if (out.help === true) return out;
  for (const [name, spec] of Object.entries(specs)) {
    if (spec.required && out[name] === undefined) throw new InputError(`bcu ${command}: --${name} is required (${spec.help})`);
  }
  return out;
}

function convert(command: string, name: string, type: FlagType, raw: string): string | number {
  if (type === 'string') return raw;
  const value = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(value) || (type === 'int' && !Number.isInteger(value))) {
    throw new InputError(`bcu ${command}: --${name} must be ${type === 'int' ? 'an integer' : 'a number'}, got "${raw}"`);
  }
  return value;
}

export function usage(command: string, summary: string, specs: FlagSpecs): string {
  const lines = Object.entries(specs).map(([name, s]) => {
    const value = s.type === 'boolean' ? '' : s.type === 'string' ? ' <value>' : ' <n>';
    return `  --${(name + value).padEnd(26)} ${s.required ? '(required) ' : ''}${s.help}`;
  });
  return `bcu ${command}: ${summary}\n\n${lines.join('\n')}\n`;
}
