/**
 * Reading and validating trigger spec files. Every problem becomes an InputError that names the
 * spec file and the field, says what was found and what is allowed, so the user can fix it.
 */
import * as fs from 'fs';
import * as path from 'path';
import { InputError } from '../errors';
import {
  PATCH_POSITIONS,
  TRIGGER_DEFAULTS,
  TRIGGER_TYPES,
  type PatchPosition,
  type PoisonLabel,
  type TriggerSpec,
  type TriggerType,
} from './types';

const ALLOWED_FIELDS: Record<TriggerType, readonly string[]> = {
  badnets: ['type', 'target', 'poisonLabel', 'size', 'position'],
  blended: ['type', 'target', 'poisonLabel', 'image', 'alpha', 'seed'],
  sig: ['type', 'target', 'poisonLabel', 'delta', 'freq'],
  wanet: ['type', 'target', 'poisonLabel', 'k', 's', 'seed', 'crossRatio'],
};

/** Reads, parses and validates a trigger spec file; a relative image path is resolved against its folder. */
export async function loadTriggerSpec(specPath: string): Promise<TriggerSpec> {
  let text: string;
  try {
    text = await fs.promises.readFile(specPath, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? String(err);
    throw new InputError(`${specPath}: cannot read the trigger spec (${code}); check the path.`, specPath);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new InputError(
      `${specPath}: not valid JSON (${(err as Error).message}); a trigger spec looks like {"type":"badnets","target":0}.`,
      specPath,
    );
  }
  return parseTriggerSpec(json, path.dirname(path.resolve(specPath)), specPath);
}

/**
 * Validates a parsed spec and fills in the reference defaults.
 * @param baseDir folder that a relative `image` path is resolved against (the spec file's folder).
 * @param specName how error messages name the spec (normally its path).
 */
export function parseTriggerSpec(json: unknown, baseDir: string, specName = 'trigger spec'): TriggerSpec {
  const fail = (message: string): never => {
    throw new InputError(`${specName}: ${message}`, specName);
  };
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    return fail(`must be a JSON object like {"type":"badnets","target":0}, got ${describe(json)}`);
  }
  const obj = json as Record<string, unknown>;
  const type = obj.type;
  if (typeof type !== 'string' || !(TRIGGER_TYPES as readonly string[]).includes(type)) {
    return fail(`type must be one of ${TRIGGER_TYPES.map((t) => `"${t}"`).join(', ')}, got ${describe(type)}`);
  }
  const triggerType = type as TriggerType;
  for (const key of Object.keys(obj)) {
    if (!ALLOWED_FIELDS[triggerType].includes(key)) {
      fail(`unknown field "${key}" for type "${triggerType}"; allowed: ${ALLOWED_FIELDS[triggerType].join(', ')}`);
    }
  }

  const field = new FieldReader(obj, fail);
  const target = field.integer('target', TRIGGER_DEFAULTS.target, 0, Number.MAX_SAFE_INTEGER);

  switch (triggerType) {
    case 'badnets': {
      const d = TRIGGER_DEFAULTS.badnets;
      return {
        type: 'badnets',
        target,
        poisonLabel: field.poisonLabel(d.poisonLabel),
        size: field.integer('size', d.size, 1, 4096),
        position: field.oneOf('position', d.position, PATCH_POSITIONS) as PatchPosition,
      };
    }
    case 'blended': {
      const d = TRIGGER_DEFAULTS.blended;
      return {
        type: 'blended',
        target,
        poisonLabel: field.poisonLabel(d.poisonLabel),
        image: field.imagePath('image', baseDir),
        alpha: field.numberIn('alpha', d.alpha, { min: 0, minOpen: true, max: 1 }),
        seed: field.integer('seed', d.seed, 0, 0xffffffff),
      };
    }
    case 'sig': {
      const d = TRIGGER_DEFAULTS.sig;
      return {
        type: 'sig',
        target,
        poisonLabel: field.poisonLabel(d.poisonLabel),
        delta: field.numberIn('delta', d.delta, { min: 0, minOpen: true, max: 255 }),
        freq: field.numberIn('freq', d.freq, { min: 0, minOpen: true, max: 1e6 }),
      };
    }
    case 'wanet': {
      const d = TRIGGER_DEFAULTS.wanet;
      return {
        type: 'wanet',
        target,
        poisonLabel: field.poisonLabel(d.poisonLabel),
        k: field.integer('k', d.k, 2, 4096),
        s: field.numberIn('s', d.s, { min: 0, minOpen: true, max: 1e3 }),
        seed: field.integer('seed', d.seed, 0, 0xffffffff),
        crossRatio: field.numberIn('crossRatio', d.crossRatio, { min: 0, max: 100 }),
      };
    }
  }
}

/** Reads one field at a time, applying the default when it is absent. */
class FieldReader {
  constructor(
    private readonly obj: Record<string, unknown>,
    private readonly fail: (message: string) => never,
  ) {}

  integer(name: string, fallback: number, min: number, max: number): number {
    const v = this.obj[name];
    if (v === undefined) return fallback;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
      const range = max >= Number.MAX_SAFE_INTEGER ? `an integer >= ${min}` : `an integer in [${min}, ${max}]`;
      return this.fail(`${name} must be ${range}, got ${describe(v)}`);
    }
    return v;
  }

  numberIn(name: string, fallback: number, range: { min: number; minOpen?: boolean; max: number }): number {
    const v = this.obj[name];
    if (v === undefined) return fallback;
    const ok = typeof v === 'number' && Number.isFinite(v) && (range.minOpen ? v > range.min : v >= range.min) && v <= range.max;
    if (!ok) {
      return this.fail(`${name} must be in ${range.minOpen ? '(' : '['}${range.min},${range.max}], got ${describe(v)}`);
    }
    return v as number;
  }

  oneOf(name: string, fallback: string, allowed: readonly string[]): string {
    const v = this.obj[name];
    if (v === undefined) return fallback;
    if (typeof v !== 'string' || !allowed.includes(v)) {
      return this.fail(`${name} must be one of ${allowed.map((a) => `"${a}"`).join(', ')}, got ${describe(v)}`);
    }
    return v;
  }

  poisonLabel(fallback: PoisonLabel): PoisonLabel {
    return this.oneOf('poisonLabel', fallback, ['dirty', 'clean']) as PoisonLabel;
  }

  /** null or absent = seeded random pixels; a string must name an existing file. */
  imagePath(name: string, baseDir: string): string | null {
    const v = this.obj[name];
    if (v === undefined || v === null) return null;
    if (typeof v !== 'string' || v.trim() === '') {
      return this.fail(`${name} must be the path of a PNG or JPEG image, or null for random pixels, got ${describe(v)}`);
    }
    const resolved = path.resolve(baseDir, v);
    if (!fs.existsSync(resolved) || !fs.statSync(resolved).isFile()) {
      return this.fail(`${name} "${v}" does not exist (looked for ${resolved}); a relative path is read from the spec's folder.`);
    }
    return resolved;
  }
}

function describe(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (typeof v === 'string') return JSON.stringify(v);
  if (Array.isArray(v)) return 'an array';
  if (v === null) return 'null';
  if (typeof v === 'object') return 'an object';
  return String(v);
}
