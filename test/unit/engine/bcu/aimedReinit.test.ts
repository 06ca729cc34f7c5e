import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { aimedReinitApplies, chooseAimedChannels, depthWeights, triggerChannelScores } from '../../../../src/engine/bcu/aimedReinit';
import { memorySource } from '../../../../src/engine/data';
import { Rng } from '../../../../src/engine/random';

/**
 * A 4x4 gray classifier whose conv (kernel = the whole image, so each channel is one dot product)
 * has channel 0 looking only at the corner pixel 15 (the "backdoor" channel) and channels 1..3
 * looking at every pixel alike.
 */
function cornerModel(): tf.LayersModel {
  const model = tf.sequential();
  model.add(tf.layers.conv2d({ inputShape: [4, 4, 1], filters: 4, kernelSize: 4, padding: 'valid', useBias: false, name: 'conv' }));
  model.add(tf.layers.flatten());
  model.add(tf.layers.dense({ units: 2, activation: 'softmax', name: 'classifier' }));
  const kernel = new Float32Array(16 * 4);
  for (let p = 0; p < 16; p++) {
    kernel[p * 4 + 0] = p === 15 ? 1 : 0;
    for (let c = 1; c < 4; c++) kernel[p * 4 + c] = 1 / 16;
  }
  model.getLayer('conv').setWeights([tf.tensor4d(kernel, [4, 4, 1, 4])]);
  return model;
}

describe('aimed re-initialization (the channels the recovered trigger moves most)', () => {
  before(async () => {
    await tf.setBackend('cpu');
  });

  it('scores the channel that reads the stamped pixel highest and chooses it first; no tensor left behind', async () => {
    const model = cornerModel();
    const rng = new Rng(5);
    const count = 64;
    const pixels = Uint8Array.from({ length: count * 16 }, () => Math.floor(rng.next() * 256));
    const source = memorySource(pixels, null, { height: 4, width: 4, channels: 1 }, count);
    const mask = new Float32Array(16);
    mask[15] = 1;
    const trigger = { mask, pattern: new Float32Array(16).fill(255), share: 0.5 };
    const before = tf.memory().numTensors;
    const scores = await triggerChannelScores(model, source, trigger, { scaling: { mode: 'unit' }, share: 0.25 });
    assert.equal(tf.memory().numTensors, before, 'no tensor left behind');
    assert.deepEqual(scores.map((s) => s.layer), ['conv']);
    const s = Array.from(scores[0].scores);
    assert.ok(s[0] > 2 * Math.max(s[1], s[2], s[3]), `channel 0 ${s[0]} vs the others ${s.slice(1)}`);
    assert.deepEqual(chooseAimedChannels(scores, 0.25).get('conv'), [0]);
    assert.deepEqual(chooseAimedChannels(scores, 0.5).get('conv')?.length, 2);
    assert.equal(chooseAimedChannels(scores, 0).size, 0);
    // Following the depth schedule: a layer the schedule barely touches gets no aimed channel.
    const weights = depthWeights([{ name: 'conv', ratio: 0.01 }, { name: 'deep', ratio: 0.27 }]);
    assert.ok(Math.abs((weights.get('conv') ?? 0) - 0.01 / 0.27) < 1e-12);
    assert.equal(weights.get('deep'), 1);
    assert.equal(chooseAimedChannels(scores, 0.25, weights).size, 0);
    assert.deepEqual(chooseAimedChannels(scores, 0.25, new Map([['conv', 1]])).get('conv'), [0]);
    model.dispose();
  });

  it('aims only at a global trigger: none recovered, a local window, or share 0 turn it off', () => {
    const recovered = { mask: new Float32Array(4), pattern: new Float32Array(4), share: 0.5 };
    const global = { window: null, flipRate: 0.95, fullFlipRate: 0.95 };
    const local = { window: { top: 21, left: 21, size: 7 }, flipRate: 0.98, fullFlipRate: 0.99 };
    assert.equal(aimedReinitApplies(0.25, recovered, global), true);
    assert.equal(aimedReinitApplies(0.25, recovered, undefined), true, 'focus not computed (--unlearn-focus off)');
    assert.equal(aimedReinitApplies(0.25, recovered, local), false);
    assert.equal(aimedReinitApplies(0.25, null, global), false);
    assert.equal(aimedReinitApplies(0, recovered, global), false);
  });
});
