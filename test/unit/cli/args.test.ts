import * as assert from 'assert';
import { CLI_SWITCHES, parseFlags, usage } from '../../../src/cli/args';
import { progressLine } from '../../../src/cli/reporter';
import { InputError } from '../../../src/engine/errors';
import { JOBS, settingsOf, type Job, type SettingRow } from '../../../src/shared/settings';

const flagsOf = (job: Job): readonly SettingRow[] => [...settingsOf(job), ...CLI_SWITCHES];
const parse = (job: Job, argv: string[]) => parseFlags(job, argv, flagsOf(job));

/** The flags a job cannot run without, with a value each. */
function requiredArgs(job: Job, except?: string): string[] {
  return settingsOf(job)
    .filter((row) => row.required?.includes(job) && row.flag !== except)
    .flatMap((row) => [`--${row.flag}`, row.type === 'choice' ? row.choices![0] : 'x']);
}

/** A value inside the row's range, as typed, and as the parser should return it. */
function validValue(row: SettingRow): { text: string | null; value: unknown } {
  switch (row.type) {
    case 'boolean':
      return { text: null, value: true };
    case 'choice':
      return { text: row.choices![row.choices!.length - 1], value: row.choices![row.choices!.length - 1] };
    case 'int':
    case 'number': {
      const value = row.max ?? (row.min ?? 0) + 1;
      return { text: String(value), value };
    }
    default:
      return { text: 'some/path value', value: 'some/path value' };
  }
}

describe('CLI flag parsing', () => {
  it('reads --name value, --name=value and boolean flags, under the table keys', () => {
    assert.deepStrictEqual(parse('cleanse', ['--model', 'm.json', '--data', 'd', '--out', 'o', '--epochs=3', '--lr', '0.5', '--json', '--lipschitz-reinit', '2', '--t-squared']), {
      model: 'm.json', data: 'd', out: 'o', epochs: 3, lr: 0.5, json: true, lipschitzU: 2, temperatureSquared: true,
    });
  });

  it('parses every flag of every command to its key', () => {
    for (const job of JOBS) {
      for (const row of settingsOf(job)) {
        const { text, value } = validValue(row);
        const required = requiredArgs(job, row.flag);
        const parsed = parse(job, [...required, `--${row.flag}`, ...(text === null ? [] : [text])]);
        assert.deepStrictEqual(parsed[row.key], value, `bcu ${job} --${row.flag}`);
      }
    }
  });

  it('refuses unknown flags, missing values, bad numbers and missing required flags, naming the flag (no "bcu <command>:" prefix: main adds it)', () => {
    const refuses = (argv: string[], pattern: RegExp) =>
      assert.throws(
        () => parse('cleanse', argv),
        (e: Error) => e instanceof InputError && pattern.test(e.message) && !e.message.startsWith('bcu '),
        argv.join(' '),
      );
    const base = ['--model', 'm', '--data', 'd', '--out', 'o'];
    refuses([...base, '--bogus', '1'], /^unknown flag --bogus/);
    refuses(['--model'], /^--model needs a value/);
    refuses([...base, '--epochs', '2.5'], /^--epochs must be an integer in \[1, 10000\], got "2.5"$/);
    refuses([...base, '--lr', 'fast'], /^--lr must be a number > 0, got "fast"$/);
    refuses(['--epochs', '2'], /^--model is required/);
    refuses(['m.json'], /^unexpected argument "m.json"/);
  });

  it('range errors name the flag and its range, never an internal key', () => {
    const cases: [string, string, RegExp][] = [
      ['crop-padding', '100', /^--crop-padding must be an integer in \[0, 64\], got "100"$/],
      ['micro-batch', '0', /^--micro-batch must be an integer in \[1, 65536\], got "0"$/],
      ['temperature-start', '0', /^--temperature-start must be a number in \[0.01, 100\], got "0"$/],
      ['epochs', '0', /^--epochs must be an integer in \[1, 10000\], got "0"$/],
      ['limit', '-1', /^--limit must be an integer >= 0, got "-1"$/],
      ['select', 'maybe', /^--select must be on or off, got "maybe"$/],
      ['backend', 'gpu', /^--backend must be one of auto, tensorflow, wasm, cpu, got "gpu"$/],
    ];
    for (const [flag, value, pattern] of cases) {
      assert.throws(() => parse('cleanse', [...requiredArgs('cleanse'), `--${flag}`, value]), (e: Error) => e instanceof InputError && pattern.test(e.message), `--${flag} ${value}`);
    }
    // No message mentions a key that is not also the flag, or JavaScript's Infinity.
    for (const row of settingsOf('cleanse').filter((r) => r.type === 'int' || r.type === 'number')) {
      try {
        parse('cleanse', [...requiredArgs('cleanse'), `--${row.flag}`, '-1e9']);
      } catch (e) {
        const message = (e as Error).message;
        assert.ok(message.startsWith(`--${row.flag} must be`), message);
        assert.ok(!message.includes('Infinity'), message);
      }
    }
  });

  it('refuses a seed outside [0, 2^32 - 1] instead of rounding it (99999999999999999999 is not recorded as 1e20)', () => {
    for (const seed of ['99999999999999999999', '4294967296', '-1', '1e20']) {
      assert.throws(() => parse('cleanse', [...requiredArgs('cleanse'), '--seed', seed]), (e: Error) => e instanceof InputError && e.message === `--seed must be an integer in [0, 4294967295], got "${seed}"`, seed);
    }
    assert.strictEqual(parse('attack', [...requiredArgs('attack'), '--seed', '4294967295']).seed, 4294967295);
  });

  it('refuses a repeated flag, naming it, whatever its spelling', () => {
    for (const argv of [['--epochs', '2', '--epochs', '3'], ['--epochs=2', '--epochs', '3'], ['--flip', '--flip=false']]) {
      assert.throws(
        () => parse('cleanse', [...requiredArgs('cleanse'), ...argv]),
        (e: Error) => e instanceof InputError && new RegExp(`^--${argv[0].replace(/^--|=.*$/g, '')} is given more than once`).test(e.message),
        argv.join(' '),
      );
    }
  });

  it('--help is answered even when a required flag is missing', () => {
    assert.deepStrictEqual(parse('cleanse', ['--help']), { help: true });
  });

  it("usage lists every flag with its help, the table's default and range", () => {
    for (const job of JOBS) {
      const text = usage(job, 'summary', flagsOf(job));
      for (const row of flagsOf(job)) assert.ok(text.includes(`--${row.flag}`), `${job} --${row.flag}`);
    }
    const cleanse = usage('cleanse', 'summary', flagsOf('cleanse'));
    assert.match(cleanse, /--epochs <n> +distillation epochs \[integer in \[1, 10000\]; default 10\]/);
    assert.match(cleanse, /--model <value> +\(required\) the suspicious model.json/);
    assert.match(usage('attack', 'summary', flagsOf('attack')), /--epochs <n> +training epochs \[integer in \[1, 10000\]; default 6\]/);
  });

  it('the progress line shows the bar, epoch, step, throughput and ETA', () => {
    const line = progressLine({ type: 'progress', phase: 'distill', epoch: 2, epochs: 4, step: 5, steps: 10, imagesPerSecond: 123.4, etaSeconds: 125, loss: 0.25, temperature: 2.5 });
    assert.match(line, /distill \[#{9}-{15}\]  38%/);
    assert.match(line, /epoch 2\/4  step 5\/10  loss 0\.2500  T 2\.50  123 img\/s  ETA 2:05/);
  });
});
