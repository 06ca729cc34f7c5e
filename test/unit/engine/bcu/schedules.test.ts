import * as assert from 'assert';
import { cosineLrAt, temperatureAt } from '../../../../src/engine/bcu/schedules';

describe('schedules', () => {
  it('temperature follows the reference T(e) = 1 + 3(e+1)/E: 1.03 .. 4.00 over 100 epochs', () => {
    assert.ok(Math.abs(temperatureAt(0, 100) - 1.03) < 1e-12);
    assert.ok(Math.abs(temperatureAt(49, 100) - 2.5) < 1e-12);
    assert.strictEqual(temperatureAt(99, 100), 4);
    assert.ok(Math.abs(temperatureAt(0, 20, 1, 4) - 1.15) < 1e-12);
  });

  it('cosine learning rate starts at the base rate and decays towards 0 (stepped per epoch)', () => {
    assert.strictEqual(cosineLrAt(0, 10, 0.01), 0.01);
    assert.ok(Math.abs(cosineLrAt(5, 10, 0.01) - 0.005) < 1e-12);
    assert.ok(cosineLrAt(9, 10, 0.01) < 0.0003);
    for (let e = 1; e < 10; e++) assert.ok(cosineLrAt(e, 10, 0.01) < cosineLrAt(e - 1, 10, 0.01));
  });
});
