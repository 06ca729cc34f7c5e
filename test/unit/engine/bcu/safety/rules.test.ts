import * as assert from 'assert';
import { topClassShare } from '../../../../../src/engine/bcu/safety/epochProbe';
import { chooseEpoch, SELECTION_RULE, shouldStop, type SelectionEpoch } from '../../../../../src/engine/bcu/safety/selection';
import { TRANSFER_WATCH_RULE, transferFlagged, transferWatch } from '../../../../../src/engine/bcu/safety/transferWatch';

const epoch = (e: number, agreement: number, loss: number, skewed = false): SelectionEpoch => ({ epoch: e, agreement, loss, temperature: 1, skewed });

describe('safety checks: transfer watch and label-free selection rules', () => {
  it('the transfer watch flags a student concentrating on one class beyond the teacher', () => {
    const calm = { epoch: 1, studentTopShare: 0.15, teacherTopShare: 0.12, studentTopClass: 2 };
    const skewed = { epoch: 2, studentTopShare: 0.35, teacherTopShare: 0.12, studentTopClass: 0 };
    assert.strictEqual(transferFlagged(calm, 10), false);
    assert.strictEqual(transferFlagged(skewed, 10), true);
    // Above the teacher by more than the margin but still within 2/classes of a 3-class model: not flagged.
    assert.strictEqual(transferFlagged({ ...skewed, studentTopShare: 0.6, teacherTopShare: 0.4 }, 3), false);
    // As skewed as the teacher (e.g. unbalanced data): not flagged.
    assert.strictEqual(transferFlagged({ ...skewed, teacherTopShare: 0.35 - TRANSFER_WATCH_RULE.margin / 2 }, 10), false);
    // Only the kept epoch's student warns: an early, transient skew is recorded but not warned.
    const recovered = transferWatch([calm, skewed, { ...calm, epoch: 3 }], 10);
    assert.strictEqual(recovered.epochs.length, 3);
    assert.strictEqual(recovered.warning, null);
    const lastSkewed = transferWatch([calm, { ...skewed, epoch: 2 }], 10);
    assert.match(lastSkewed.warning ?? '', /epoch 2\) puts 35% .*class 0.*12%.*flagged epochs: 2/);
    assert.match(transferWatch([calm, skewed, { ...calm, epoch: 3 }], 10, 2).warning ?? '', /epoch 2/);
    assert.strictEqual(transferWatch([calm], 10).warning, null);
  });

  it('keeps the epoch with the highest agreement, skipping skewed epochs, later epoch on ties', () => {
    assert.strictEqual(chooseEpoch([epoch(1, 0.7, 1), epoch(2, 0.9, 0.5), epoch(3, 0.85, 0.4)]), 2);
    assert.strictEqual(chooseEpoch([epoch(1, 0.7, 1), epoch(2, 0.95, 0.5, true), epoch(3, 0.85, 0.4)]), 3);
    assert.strictEqual(chooseEpoch([epoch(1, 0.9, 1), epoch(2, 0.9 + SELECTION_RULE.tie / 2, 0.5), epoch(3, 0.9, 0.4)]), 3);
    assert.strictEqual(chooseEpoch([epoch(1, 0.5, 1, true), epoch(2, 0.6, 1, true)]), 2, 'all skewed: best of all');
  });

  it('stops when agreement and the temperature-scaled loss have both plateaued, not before', () => {
    const rising = [epoch(1, 0.6, 1), epoch(2, 0.7, 0.8), epoch(3, 0.8, 0.6), epoch(4, 0.85, 0.5)];
    assert.strictEqual(shouldStop(rising), false);
    const flat = [...rising, epoch(5, 0.851, 0.499), epoch(6, 0.852, 0.498)];
    assert.strictEqual(shouldStop(flat), true);
    assert.strictEqual(shouldStop(flat.slice(0, 5)), false, 'one flat epoch is not enough');
    const lossStillFalling = [...rising, epoch(5, 0.851, 0.4), epoch(6, 0.852, 0.3)];
    assert.strictEqual(shouldStop(lossStillFalling), false);
    // A falling raw loss only because the temperature rises is a plateau once scaled by T^2.
    const hotter = [...rising, { ...epoch(5, 0.851, 0.5 / 4), temperature: 2 }, { ...epoch(6, 0.852, 0.5 / 9), temperature: 3 }];
    assert.strictEqual(shouldStop(hotter), true);
    assert.strictEqual(shouldStop([epoch(1, 0.9, 1), epoch(2, 0.9, 1)]), false, 'never before minEpochs');
  });

  it('top class share counts the most frequent class', () => {
    assert.deepStrictEqual(topClassShare([1, 2, 2, 3]), { share: 0.5, cls: 2 });
    assert.deepStrictEqual(topClassShare([]), { share: 0, cls: -1 });
  });
});
