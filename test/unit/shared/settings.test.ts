/**
 * The settings table (src/shared/settings.ts) is the one home of every setting's flag, key,
 * default and range: these tests hold the table together, and package.json's
 * `contributes.configuration`, the extension's defaults and the engine's defaults to it.
 */
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { CLEANSE_DEFAULTS, REFERENCE_DEFAULTS, resolveSettings } from '../../../src/engine/bcu/cleanseDefaults';
import { InputError } from '../../../src/engine/errors';
import { runJob } from '../../../src/engine/run/jobs';
import { REFERENCE_SCHEDULE } from '../../../src/engine/bcu/reinitSchedule';
import { CONFIG_SECTION, DEFAULT_CONFIG, readExtensionConfig } from '../../../src/extension/config';
import type { CleanseParams } from '../../../src/shared/protocol';
import { REPO_ROOT } from '../../fixtures/repoPaths';
import { JOBS, SETTINGS, settingDefault, settingProblem, settingsOf, type SettingRow } from '../../../src/shared/settings';

const ROOT = REPO_ROOT;
const rows = SETTINGS as readonly SettingRow[];

interface ConfigProperty {
  type: string;
  default: unknown;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  enum?: string[];
}

describe('settings table', () => {
  it('gives each job each flag and each key once, kebab-case flags and camelCase keys', () => {
    for (const job of JOBS) {
      const own = settingsOf(job);
      assert.equal(new Set(own.map((r) => r.flag)).size, own.length, `${job}: a flag listed twice`);
      assert.equal(new Set(own.map((r) => r.key)).size, own.length, `${job}: a key listed twice`);
    }
    for (const row of rows) {
      assert.match(row.flag, /^[a-z][a-z0-9-]*$/, row.flag);
      assert.match(row.key, /^[a-z][A-Za-z0-9]*$/, row.key);
      assert.ok(row.jobs.length > 0, `${row.flag} is used by no job`);
      for (const job of row.required ?? []) assert.ok(row.jobs.includes(job), `${row.flag} required by ${job}, which does not take it`);
    }
  });

  it('every default fits its own range', () => {
    for (const row of rows.filter((r) => r.default !== undefined)) {
      assert.equal(settingProblem(row, row.default), undefined, `--${row.flag} default ${String(row.default)}`);
    }
  });

  it('the default of 10 epochs is the one the engine, the extension and the panel use', () => {
    const epochs = settingDefault('cleanse', 'epochs');
    assert.equal(CLEANSE_DEFAULTS.epochs, epochs);
    assert.equal(settingDefault('defend', 'epochs'), epochs);
    assert.equal(DEFAULT_CONFIG.epochs, epochs);
    assert.equal(resolveSettings({}).epochs, epochs);
    assert.equal(resolveSettings({}, 'defend').epochs, epochs);
    assert.deepEqual(REFERENCE_SCHEDULE, { stem: 0.01, deepest: 0.27, factor: 3, classifier: 0.1 });
    assert.equal(REFERENCE_DEFAULTS.epochs, 100);
  });

  it("resolveSettings names the flag and its range in errors, and maps keys to the engine's settings", () => {
    const refuses = (params: CleanseParams | Record<string, unknown>, message: string) =>
      assert.throws(() => resolveSettings(params as CleanseParams), (e: Error) => e instanceof InputError && e.message === message, message);
    refuses({ cropPadding: 65 }, '--crop-padding must be an integer in [0, 64], got 65');
    refuses({ microBatch: 0 }, '--micro-batch must be an integer in [1, 65536], got 0');
    refuses({ temperatureStart: 0 }, '--temperature-start must be a number in [0.01, 100], got 0');
    refuses({ lipschitzU: -1 }, '--lipschitz-reinit must be a number in [0, 100], got -1');
    refuses({ seed: 1e20 }, '--seed must be an integer in [0, 4294967295], got 100000000000000000000');
    refuses({ lrSchedule: 'linear' }, '--lr-schedule must be cosine or constant, got "linear"');
    refuses({ preset: 'fast' }, '--preset must be default or reference, got "fast"');
    assert.throws(() => resolveSettings({ u: 200 }, 'defend'), (e: Error) => e instanceof InputError && e.message === '--u must be a number in [0, 100], got 200');
    const s = resolveSettings({ batch: 32, lr: 0.5, lipschitzU: 2, select: 'on', unlearnFocus: 'off', ratioDeepest: 0.5, scaling: 'symmetric', preset: 'reference' });
    assert.deepEqual(
      [s.batchSize, s.lr, s.lipschitzU, s.select, s.unlearnFocus, s.schedule.deepest, s.scaling.mode, s.epochs, s.preset],
      [32, 0.5, 2, true, false, 0.5, 'symmetric', 100, 'reference'],
    );
  });

  it('types job params from the table: an engine-internal or misspelled name does not compile', () => {
    const params: CleanseParams = { model: 'm', data: 'd', out: 'o', batch: 32, lipschitzU: 2, select: 'on', preset: 'reference' };
    // @ts-expect-error batchSize is the engine's internal name; the setting is batch (--batch)
    const internal: CleanseParams = { model: 'm', data: 'd', out: 'o', batchSize: 32 };
    // @ts-expect-error --select takes on or off
    const boolean: CleanseParams = { model: 'm', data: 'd', out: 'o', select: true };
    assert.ok(internal && boolean);
    assert.deepEqual([resolveSettings(params).batchSize, resolveSettings(params).lipschitzU], [32, 2]);
  });

  it('runJob checks every job\'s params against the table before it reads a file (they also come as JSON from the worker)', async () => {
    const quiet = () => undefined;
    const missing = '/nonexistent/model.json';
    await assert.rejects(runJob({ kind: 'evaluate', params: { model: missing, data: '/nonexistent', limit: -1 } }, quiet), (e: Error) => e instanceof InputError && e.message === '--limit must be an integer >= 0, got -1');
    await assert.rejects(runJob({ kind: 'inspect', params: { model: missing, noSuspect: 'yes' as unknown as boolean } }, quiet), (e: Error) => e instanceof InputError && e.message === '--no-suspect must be true or false, got "yes"');
    await assert.rejects(runJob({ kind: 'defend', params: { method: 'clp', model: missing, out: '/nonexistent/o', teacherEpochs: 0 } }, quiet), (e: Error) => e instanceof InputError && e.message === '--teacher-epochs must be an integer in [1, 10000], got 0');
    await assert.rejects(runJob({ kind: 'cleanse', params: { model: missing, data: '/d', out: '/nonexistent/o', backend: 'gpu' as 'cpu' } }, quiet), (e: Error) => e instanceof InputError && e.message === '--backend must be one of auto, tensorflow, wasm, cpu, got "gpu"');
  });

  it("package.json's contributes.configuration matches the table: types, defaults, minimum and maximum", () => {
    const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
    const properties = pkg.contributes.configuration.properties as Record<string, ConfigProperty>;
    const mirrored = settingsOf('cleanse').filter((r) => r.config !== undefined);
    assert.deepEqual(
      Object.keys(properties).sort(),
      Object.keys(DEFAULT_CONFIG).map((k) => `${CONFIG_SECTION}.${k}`).sort(),
      'package.json lists exactly the ExtensionConfig settings',
    );
    assert.ok(mirrored.length >= 5);
    for (const row of mirrored) {
      const name = `${CONFIG_SECTION}.${row.config}`;
      const property = properties[name];
      assert.ok(property, `${name} is missing from package.json (settings table: --${row.flag})`);
      const type = { int: 'integer', number: 'number', choice: 'string', boolean: 'boolean' }[row.type as string];
      assert.equal(property.type, type, `${name} type`);
      // A setting with no engine default (all images) is 0 in the configuration.
      assert.deepEqual(property.default, row.default ?? 0, `${name} default`);
      assert.deepEqual(property.default, DEFAULT_CONFIG[row.config as keyof typeof DEFAULT_CONFIG], `${name}: DEFAULT_CONFIG`);
      assert.equal(property.minimum, row.min, `${name} minimum`);
      assert.equal(property.maximum, row.max, `${name} maximum`);
      assert.equal(property.exclusiveMinimum, row.above, `${name} exclusiveMinimum`);
      if (row.type === 'choice') assert.deepEqual(property.enum, row.choices, `${name} enum`);
    }
    for (const name of ['nodePath', 'outputFolder'] as const) assert.equal(properties[`${CONFIG_SECTION}.${name}`].default, DEFAULT_CONFIG[name]);
  });

  it("the extension falls back to the default for a value outside the table's range", () => {
    const read = (values: Record<string, unknown>) => readExtensionConfig({ get: <T>(key: string) => values[key] as T });
    assert.deepEqual(read({ seed: 2 ** 32, learningRate: 0, epochs: 10_001, batch: 0 }), DEFAULT_CONFIG);
    assert.deepEqual(read({ seed: 2 ** 32 - 1, learningRate: 20, epochs: 10_000, batch: 65_536 }), { ...DEFAULT_CONFIG, seed: 2 ** 32 - 1, learningRate: 20, epochs: 10_000, batch: 65_536 });
  });
});
