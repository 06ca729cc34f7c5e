/**
 * model.json's layer configs against its weights manifest, checked before TF.js builds a layer
 * (src/engine/modelIo/layerWeights.ts): each stated size that disagrees is an InputError naming
 * model.json and the layer.
 */
import * as assert from 'node:assert/strict';
import type * as tf from '@tensorflow/tfjs';
import { InputError } from '../../../../src/engine/errors';
import { checkLayerWeights } from '../../../../src/engine/modelIo/layerWeights';

type Layer = { class_name: string; config: Record<string, unknown> };

function modelJson(layers: Layer[]): tf.io.ModelJSON {
  return { modelTopology: { class_name: 'Sequential', config: { name: 'm', layers } }, weightsManifest: [] } as unknown as tf.io.ModelJSON;
}

const conv: Layer = { class_name: 'Conv2D', config: { name: 'conv', filters: 4, kernel_size: [3, 3] } };
const bn: Layer = { class_name: 'BatchNormalization', config: { name: 'bn' } };
const dense: Layer = { class_name: 'Dense', config: { name: 'fc', units: 3 } };
const good: tf.io.WeightsManifestEntry[] = [
  { name: 'conv/kernel', shape: [3, 3, 1, 4], dtype: 'float32' },
  { name: 'conv/bias', shape: [4], dtype: 'float32' },
  ...['gamma', 'beta', 'moving_mean', 'moving_variance'].map((p) => ({ name: `bn/${p}`, shape: [4], dtype: 'float32' as const })),
  { name: 'fc/kernel', shape: [36, 3], dtype: 'float32' },
  { name: 'fc/bias', shape: [3], dtype: 'float32' },
];

function refuses(layers: Layer[], weights: tf.io.WeightsManifestEntry[], pattern: RegExp): void {
  assert.throws(
    () => checkLayerWeights(modelJson(layers), weights, '/m/model.json'),
    (error: unknown) => error instanceof InputError && pattern.test(error.message) && error.message.startsWith('/m/model.json: '),
  );
}

describe('layer configs against the weights manifest', () => {
  it('accepts a model whose configs and weights agree, and layers it has no rule for', () => {
    checkLayerWeights(modelJson([conv, bn, { class_name: 'Flatten', config: { name: 'flat' } }, dense]), good, '/m/model.json');
  });

  it('refuses changed units, filters or kernel size, and BatchNorm weights of different lengths, naming the layer', () => {
    refuses([{ ...dense, config: { ...dense.config, units: 1_000_000 } }], good, /layer "fc" \(Dense\) declares 1000000 units but its weight fc\/kernel .* has shape \[36,3\]/);
    refuses([{ ...conv, config: { ...conv.config, filters: 64 } }], good, /layer "conv" \(Conv2D\) declares kernel size 3x3, 64 filters/);
    refuses([{ ...conv, config: { ...conv.config, kernel_size: 5 } }], good, /layer "conv" \(Conv2D\) declares kernel size 5x5, 4 filters/);
    const unevenBn = good.map((w) => (w.name === 'bn/beta' ? { ...w, shape: [400000] } : w));
    refuses([bn], unevenBn, /BatchNormalization layer "bn" disagree in shape/);
    refuses([dense], good.filter((w) => w.name !== 'fc/kernel'), /layer "fc" \(Dense, 3 units\) has no "kernel" weight/);
  });
});
