import * as assert from 'assert';
import * as tf from '@tensorflow/tfjs';
import { buildArchitecture } from '../../../../src/engine/attackLab/architectures';
import { InputError } from '../../../../src/engine/errors';
import { planSchedule, REFERENCE_SCHEDULE } from '../../../../src/engine/bcu/reinitSchedule';

describe('re-initialization schedule by depth', () => {
  before(async () => {
    await tf.setBackend('cpu');
  });

  it('reproduces the reference ratios on CIFAR ResNet-18 (stem .01, stages .01/.03/.09/.27, fc .10)', () => {
    const model = buildArchitecture('resnet18', { inputShape: [32, 32, 3], classes: 10, seed: 0 });
    const plan = planSchedule(model, REFERENCE_SCHEDULE);
    assert.deepStrictEqual(plan.groups, ['stem', 'stage1', 'stage2', 'stage3', 'stage4', 'classifier']);
    const ratio = (name: string) => plan.layers.find((l) => l.name === name)!.ratio;
    const close = (a: number, b: number) => assert.ok(Math.abs(a - b) < 1e-12, `${a} vs ${b}`);
    close(ratio('stem_conv'), 0.01);
    close(ratio('stage1_block1_conv1'), 0.01);
    close(ratio('stage1_block2_conv2'), 0.01);
    close(ratio('stage2_block1_conv1'), 0.03);
    close(ratio('stage2_block1_shortcut'), 0.03);
    close(ratio('stage3_block2_conv2'), 0.09);
    close(ratio('stage4_block1_conv1'), 0.27);
    close(ratio('classifier'), 0.1);
    // BatchNorm and parameter-free layers are never re-initialized.
    for (const l of plan.layers.filter((l) => l.kind === 'BatchNormalization' || l.kind === 'Add')) assert.strictEqual(l.ratio, 0);
    model.dispose();
  });

  it('extends to a Sequential CNN: hidden Dense layers form the deepest stage', () => {
    const model = buildArchitecture('small-cnn', { inputShape: [28, 28, 1], classes: 10, seed: 0 });
    const plan = planSchedule(model, REFERENCE_SCHEDULE);
    assert.deepStrictEqual(plan.groups, ['stem', 'stage1', 'stage2', 'classifier']);
    const byName = Object.fromEntries(plan.layers.map((l) => [l.name, l]));
    assert.strictEqual(byName.conv1.group, 'stem');
    assert.strictEqual(byName.conv2.group, 'stage1');
    assert.strictEqual(byName.fc1.group, 'stage2');
    assert.ok(Math.abs(byName.conv2.ratio - 0.09) < 1e-12);
    assert.ok(Math.abs(byName.fc1.ratio - 0.27) < 1e-12);
    assert.strictEqual(byName.classifier.ratio, 0.1);
    assert.strictEqual(byName.pool.ratio, 0);
    model.dispose();
  });

  it('takes per-depth lists and per-layer/group JSON overrides, layer names winning', () => {
    const model = buildArchitecture('small-cnn', { inputShape: [28, 28, 1], classes: 10, seed: 0 });
    const list = planSchedule(model, REFERENCE_SCHEDULE, '0.5,0.4,0.3,0.2');
    assert.deepStrictEqual(list.layers.filter((l) => l.ratio > 0).map((l) => l.ratio), [0.5, 0.4, 0.3, 0.2]);
    const json = planSchedule(model, REFERENCE_SCHEDULE, '{"stage2":0.6,"classifier":0,"conv2":0.05}');
    const byName = Object.fromEntries(json.layers.map((l) => [l.name, l.ratio]));
    assert.strictEqual(byName.fc1, 0.6);
    assert.strictEqual(byName.classifier, 0);
    assert.strictEqual(byName.conv2, 0.05);
    assert.strictEqual(byName.conv1, 0.01);
    model.dispose();
  });

  it('refuses a list of the wrong length, ratios outside [0,1] and unknown names, naming the flag', () => {
    const model = buildArchitecture('small-cnn', { inputShape: [28, 28, 1], classes: 10, seed: 0 });
    assert.throws(() => planSchedule(model, REFERENCE_SCHEDULE, '0.1,0.2'), (e: Error) => e instanceof InputError && /--ratios: this model has 4 depth groups \(stem, stage1, stage2, classifier\)/.test(e.message));
    assert.throws(() => planSchedule(model, REFERENCE_SCHEDULE, '{"conv1":1.5}'), (e: Error) => e instanceof InputError && /conv1 must be a number in \[0, 1\]/.test(e.message));
    assert.throws(() => planSchedule(model, REFERENCE_SCHEDULE, '{"nope":0.1}'), (e: Error) => e instanceof InputError && /"nope" is neither/.test(e.message));
    model.dispose();
  });
});
