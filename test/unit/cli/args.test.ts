import * as assert from 'assert';
import { parseFlags, usage, type FlagSpecs } from '../../../src/cli/args';
import { progressLine } from '../../../src/cli/reporter';
import { InputError } from '../../../src/engine/errors';

const specs: FlagSpecs = {
  help: { type: 'boolean', help: 'show this help' },
  model: { type: 'string', required: true, help: 'model.json' },
  epochs: { type: 'int', help: 'epochs' },
  lr: { type: 'number', help: 'learning rate' },
  json: { type: 'boolean', help: 'json' },
};

describe('CLI flag parsing', () => {
  it('reads --name value, --name=value and boolean flags', () => {
    assert.deepStrictEqual(parseFlags('cleanse', ['--model', 'm.json', '--epochs=3', '--lr', '0.5', '--json'], specs), {
      model: 'm.json', epochs: 3, lr: 0.5, json: true,
    });
  });

  it('refuses unknown flags, missing values, bad numbers and missing required flags, naming the flag', () => {
    const refuses = (argv: string[], pattern: RegExp) =>
      assert.throws(() => parseFlags('cleanse', argv, specs), (e: Error) => e instanceof InputError && pattern.test(e.message));
    refuses(['--model', 'm', '--bogus', '1'], /unknown flag --bogus/);
    refuses(['--model'], /--model needs a value/);
    refuses(['--model', 'm', '--epochs', '2.5'], /--epochs must be an integer, got "2.5"/);
    refuses(['--model', 'm', '--lr', 'fast'], /--lr must be a number, got "fast"/);
    refuses(['--epochs', '2'], /--model is required/);
    refuses(['m.json'], /unexpected argument "m.json"/);
  });

  it('--help is answered even when a required flag is missing', () => {
    assert.deepStrictEqual(parseFlags('cleanse', ['--help'], specs), { help: true });
  });

  it('usage lists every flag with its help', () => {
    const text = usage('cleanse', 'summary', specs);
    for (const name of Object.keys(specs)) assert.ok(text.includes(`--${name}`), name);
    assert.ok(text.includes('(required) model.json'));
  });

  it('the progress line shows the bar, epoch, step, throughput and ETA', () => {
    const line = progressLine({ type: 'progress', phase: 'distill', epoch: 2, epochs: 4, step: 5, steps: 10, imagesPerSecond: 123.4, etaSeconds: 125, loss: 0.25, temperature: 2.5 });
    assert.match(line, /distill \[#{9}-{15}\]  38%/);
    assert.match(line, /epoch 2\/4  step 5\/10  loss 0\.2500  T 2\.50  123 img\/s  ETA 2:05/);
  });
});
