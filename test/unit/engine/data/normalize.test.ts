import * as assert from 'assert';
import * as tf from '@tensorflow/tfjs';
import { InputError } from '../../../../src/engine/errors';
import { normalize, parseScaling } from '../../../../src/engine/data/normalize';

function close(actual: ArrayLike<number>, expected: number[]): void {
  assert.strictEqual(actual.length, expected.length);
  for (let i = 0; i < expected.length; i++) assert.ok(Math.abs(actual[i] - expected[i]) < 1e-5, `[${i}] ${actual[i]} vs ${expected[i]}`);
}

describe('data: normalize and parseScaling', () => {
  before(async () => {
    await tf.setBackend('cpu');
  });

  it('scales raw pixels per mode, with per-channel mean/std after unit', () => {
    const x = tf.tensor4d([0, 127.5, 255, 51, 102, 204], [1, 1, 2, 3]);
    const before = tf.memory().numTensors;
    const cases: [Parameters<typeof normalize>[1], number[]][] = [
      [{ mode: 'unit' }, [0, 0.5, 1, 0.2, 0.4, 0.8]],
      [{ mode: 'symmetric' }, [-1, 0, 1, -0.6, -0.2, 0.6]],
      [{ mode: 'raw' }, [0, 127.5, 255, 51, 102, 204]],
      [{ mode: 'unit', mean: [0, 0.5, 1], std: [0.5, 0.25, 1] }, [0, 0, 0, 0.4, -0.4, -0.2]],
      [{ mode: 'unit', mean: [0.5] }, [-0.5, 0, 0.5, -0.3, -0.1, 0.3]],
    ];
    for (const [scaling, expected] of cases) {
      const y = normalize(x, scaling);
      close(y.dataSync(), expected);
      y.dispose();
    }
    assert.strictEqual(tf.memory().numTensors, before, 'normalize leaks no tensors');
    assert.throws(() => normalize(x, { mode: 'unit', mean: [0.1, 0.2] }), /2 values but the model takes 3/);
    assert.throws(() => normalize(x, { mode: 'raw', std: [0.5] }), InputError);
    x.dispose();
  });

  it('parses --scaling values', () => {
    assert.deepStrictEqual(parseScaling('unit'), { mode: 'unit' });
    assert.deepStrictEqual(parseScaling(' Symmetric '), { mode: 'symmetric' });
    assert.deepStrictEqual(parseScaling('raw'), { mode: 'raw' });
    assert.deepStrictEqual(parseScaling('mean=0.5,0.5,0.5;std=0.25,0.25,0.25'), { mode: 'unit', mean: [0.5, 0.5, 0.5], std: [0.25, 0.25, 0.25] });
    assert.deepStrictEqual(parseScaling('unit; mean = 0.485, 0.456, 0.406 ;'), { mode: 'unit', mean: [0.485, 0.456, 0.406] });
  });

  it('refuses nonsense --scaling values with InputError', () => {
    const bad: [string, RegExp][] = [
      ['', /empty/],
      ['zscore', /"zscore" is not understood/],
      ['unit;raw', /two modes/],
      ['mean=a,b,c', /comma-separated numbers/],
      ['mean=', /comma-separated numbers/],
      ['symmetric;mean=0.5', /go with "unit"/],
      ['mean=123.7,116.3,103.5', /divide 0\.\.255 values by 255/],
      ['std=0', /above 0/],
      ['mean=0.5,0.5,0.5;std=0.2,0.2', /3 mean values but 2 std values/],
    ];
    for (const [text, pattern] of bad) {
      assert.throws(() => parseScaling(text), (err: unknown) => err instanceof InputError && pattern.test(err.message), text);
    }
  });
});
