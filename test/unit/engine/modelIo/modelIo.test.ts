import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { InputError } from '../../../../src/engine/errors';
import { sha256File } from '../../../../src/engine/hash';
import { loadModel, readModelArtifacts, saveModel } from '../../../../src/engine/modelIo';
import {
  captureRawModel,
  flatInputModel,
  loadWithFromMemory,
  loadWithTfjsHttpLoader,
  makeTempDir,
  predictFixed,
  randomizeWeights,
  removeDir,
  smallConvModel,
  smallResidualModel,
  weightValues,
  writeModelFolder,
  type RawModel,
} from '../../../fixtures/modelFixtures';

/** Asserts an InputError whose message contains every fragment. */
async function rejectsWithInputError(promise: Promise<unknown>, ...fragments: (string | RegExp)[]): Promise<InputError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof InputError, `expected InputError, got ${String(error)}`);
    for (const fragment of fragments) {
      if (typeof fragment === 'string') assert.ok(error.message.includes(fragment), `"${error.message}" lacks "${fragment}"`);
      else assert.match(error.message, fragment);
    }
    return error;
  }
  assert.fail('expected an InputError');
}

function assertSameModels(actual: tf.LayersModel, expected: tf.LayersModel): void {
  const actualWeights = weightValues(actual);
  const expectedWeights = weightValues(expected);
  assert.deepEqual(
    actual.weights.map((w) => w.originalName),
    expected.weights.map((w) => w.originalName),
  );
  assert.equal(actualWeights.length, expectedWeights.length);
  actualWeights.forEach((values, i) => assert.deepEqual(values, expectedWeights[i], `weight ${expected.weights[i].name}`));
  assert.deepEqual(predictFixed(actual), predictFixed(expected));
}

describe('modelIo', () => {
  let root: string;
  let convRaw: RawModel;

  before(async () => {
    await tf.setBackend('cpu');
    const conv = smallConvModel();
    randomizeWeights(conv);
    convRaw = await captureRawModel(conv);
    conv.dispose();
  });
  beforeEach(async () => {
    root = await makeTempDir('modelio');
  });
  afterEach(async () => {
    await removeDir(root);
  });

  /** Writes the conv model's files into a fresh folder, with an optionally edited model.json. */
  async function writeConvFolder(edit?: (json: tf.io.ModelJSON) => unknown, shards?: Record<string, Uint8Array>): Promise<string> {
    const json = structuredClone(convRaw.modelJson);
    return writeModelFolder(path.join(root, 'model'), edit ? edit(json) ?? json : json, shards ?? { 'weights.bin': convRaw.weights });
  }

  describe('readModelArtifacts', () => {
    it('reads a valid LayersModel and fingerprints model.json plus its shards', async () => {
      const modelJsonPath = await writeConvFolder();
      const read = await readModelArtifacts(modelJsonPath);
      assert.equal(read.modelJsonPath, modelJsonPath);
      assert.equal(read.modelDir, path.dirname(modelJsonPath));
      assert.deepEqual(read.weightFiles, [path.join(read.modelDir, 'weights.bin')]);
      assert.deepEqual(new Uint8Array(read.artifacts.weightData as ArrayBuffer), convRaw.weights);
      const expected = createHash('sha256')
        .update(await fs.readFile(modelJsonPath))
        .update(convRaw.weights)
        .digest('hex');
      assert.equal(read.sha256, expected);
    });

    it('accepts the model folder instead of model.json', async () => {
      const modelJsonPath = await writeConvFolder();
      const read = await readModelArtifacts(path.dirname(modelJsonPath));
      assert.equal(read.modelJsonPath, modelJsonPath);
    });

    it('refuses a missing model.json, naming the file', async () => {
      const missing = path.join(root, 'nowhere', 'model.json');
      const error = await rejectsWithInputError(readModelArtifacts(missing), missing, 'does not exist', 'model.json');
      assert.equal(error.file, missing);
    });

    it('refuses a file that is not JSON', async () => {
      const modelJsonPath = await writeModelFolder(path.join(root, 'model'), '\u0089HDF\r\n binary', {});
      await rejectsWithInputError(readModelArtifacts(modelJsonPath), modelJsonPath, 'not valid JSON', '--input_format keras');
    });

    it('refuses a huge file named as model.json without reading it', async () => {
      const modelJsonPath = path.join(root, 'model.json');
      const handle = await fs.open(modelJsonPath, 'w');
      await handle.truncate(65 * 1024 * 1024); // sparse: no real disk use
      await handle.close();
      await rejectsWithInputError(readModelArtifacts(modelJsonPath), 'far too large for a model.json');
    });

    it('refuses JSON that is not a model.json', async () => {
      const modelJsonPath = await writeModelFolder(path.join(root, 'model'), { hello: 'world' }, {});
      await rejectsWithInputError(readModelArtifacts(modelJsonPath), 'no "modelTopology"');
    });

    it('refuses a GraphModel (format graph-model), saying why and what to do', async () => {
      const graph = {
        format: 'graph-model',
        generatedBy: '2.15.0',
        convertedBy: 'TensorFlow.js Converter v4.22.0',
        modelTopology: { node: [{ name: 'x', op: 'Placeholder' }], library: {}, versions: { producer: 1 } },
        weightsManifest: [{ paths: ['group1-shard1of1.bin'], weights: [] }],
      };
      const modelJsonPath = await writeModelFolder(path.join(root, 'model'), graph, { 'group1-shard1of1.bin': new Uint8Array(0) });
      await rejectsWithInputError(
        readModelArtifacts(modelJsonPath),
        'GraphModel',
        'inference-only',
        'cannot be fine-tuned or distilled',
        'tensorflowjs_converter --input_format keras',
        'model.save',
      );
    });

    it('refuses a graph topology without a format field', async () => {
      const modelJsonPath = await writeConvFolder((json) => ({ ...json, format: undefined, modelTopology: { node: [] } }));
      await rejectsWithInputError(readModelArtifacts(modelJsonPath), 'GraphModel', 'graph nodes');
    });

    it('refuses a topology without a Keras class_name', async () => {
      const modelJsonPath = await writeConvFolder((json) => ({ ...json, modelTopology: { config: {} } }));
      await rejectsWithInputError(readModelArtifacts(modelJsonPath), 'class_name');
    });

    it("accepts tensorflowjs_converter's Keras layout (topology under model_config)", async () => {
      const modelJsonPath = await writeConvFolder((json) => ({
        ...json,
        modelTopology: { keras_version: '2.15.0', backend: 'tensorflow', model_config: json.modelTopology },
      }));
      const loaded = await loadModel(modelJsonPath);
      assert.deepEqual(loaded.inputShape, { height: 8, width: 8, channels: 1 });
      loaded.model.dispose();
    });

    it('refuses a weight path climbing out of the folder with ..', async () => {
      await fs.writeFile(path.join(root, 'outside.bin'), convRaw.weights);
      const modelJsonPath = await writeConvFolder((json) => {
        json.weightsManifest[0].paths = ['../outside.bin'];
      }, {});
      await rejectsWithInputError(readModelArtifacts(modelJsonPath), '"../outside.bin"', "outside the model's folder");
    });

    it('refuses an absolute weight path', async () => {
      const absolute = path.join(root, 'outside.bin');
      await fs.writeFile(absolute, convRaw.weights);
      const modelJsonPath = await writeConvFolder((json) => {
        json.weightsManifest[0].paths = [absolute];
      }, {});
      await rejectsWithInputError(readModelArtifacts(modelJsonPath), 'absolute path');
    });

    it('refuses a Windows drive path or URL as weight path', async () => {
      for (const bad of ['C:\\weights.bin', 'file:///etc/passwd', 'sub\\..\\..\\x.bin']) {
        const modelJsonPath = await writeConvFolder((json) => {
          json.weightsManifest[0].paths = [bad];
        }, {});
        await rejectsWithInputError(readModelArtifacts(modelJsonPath), JSON.stringify(bad));
      }
    });

    it('refuses a symlink that escapes the folder', async function () {
      if (process.platform === 'win32') this.skip();
      const outside = path.join(root, 'outside.bin');
      await fs.writeFile(outside, convRaw.weights);
      const modelJsonPath = await writeConvFolder(undefined, {});
      await fs.symlink(outside, path.join(root, 'model', 'weights.bin'));
      await rejectsWithInputError(readModelArtifacts(modelJsonPath), 'weights.bin', 'link', 'outside');
    });

    it('accepts a symlink that stays inside the folder and a shard in a subfolder', async function () {
      if (process.platform === 'win32') this.skip();
      const modelJsonPath = await writeConvFolder((json) => {
        json.weightsManifest[0].paths = ['shards/w.bin'];
      }, {});
      await fs.mkdir(path.join(root, 'model', 'shards'));
      await fs.writeFile(path.join(root, 'model', 'real.bin'), convRaw.weights);
      await fs.symlink(path.join(root, 'model', 'real.bin'), path.join(root, 'model', 'shards', 'w.bin'));
      const read = await readModelArtifacts(modelJsonPath);
      assert.deepEqual(new Uint8Array(read.artifacts.weightData as ArrayBuffer), convRaw.weights);
    });

    it('refuses a missing shard, naming it', async () => {
      const modelJsonPath = await writeConvFolder(undefined, {});
      const error = await rejectsWithInputError(readModelArtifacts(modelJsonPath), 'weight shard weights.bin', 'missing');
      assert.equal(error.file, path.join(root, 'model', 'weights.bin'));
    });

    it('refuses a truncated shard, naming it and the byte counts', async () => {
      const truncated = convRaw.weights.subarray(0, convRaw.weights.byteLength - 10);
      const modelJsonPath = await writeConvFolder(undefined, { 'weights.bin': truncated });
      await rejectsWithInputError(
        readModelArtifacts(modelJsonPath),
        'weight shard weights.bin',
        `need ${convRaw.weights.byteLength} bytes`,
        `holds ${truncated.byteLength}`,
        '10 bytes short',
        'truncated',
      );
    });

    it('refuses a shard of the wrong (larger) size', async () => {
      const padded = new Uint8Array(convRaw.weights.byteLength + 8);
      padded.set(convRaw.weights);
      const modelJsonPath = await writeConvFolder(undefined, { 'weights.bin': padded });
      await rejectsWithInputError(readModelArtifacts(modelJsonPath), 'weights.bin', '8 bytes too many', 'does not belong');
    });

    it('names the short shard among several', async () => {
      const bytes = convRaw.weights;
      const [a, b, c] = [bytes.subarray(0, 200), bytes.subarray(200, 400), bytes.subarray(400)];
      const modelJsonPath = await writeConvFolder(
        (json) => {
          json.weightsManifest[0].paths = ['group1-shard1of3.bin', 'group1-shard2of3.bin', 'group1-shard3of3.bin'];
        },
        { 'group1-shard1of3.bin': a, 'group1-shard2of3.bin': b.subarray(0, 150), 'group1-shard3of3.bin': c },
      );
      await rejectsWithInputError(readModelArtifacts(modelJsonPath), /^weight shard group1-shard2of3\.bin /, '50 bytes short');
    });

    it('checks sizes before allocating: a huge manifest with a tiny shard is an InputError, not an allocation', async () => {
      const modelJsonPath = await writeConvFolder(
        (json) => {
          json.weightsManifest[0].weights = [{ name: 'huge', shape: [100000, 100000, 10], dtype: 'float32' }];
        },
        { 'weights.bin': new Uint8Array(16) },
      );
      await rejectsWithInputError(readModelArtifacts(modelJsonPath), 'huge float32 [100000,100000,10]', 'need 400000000000 bytes');
    });

    it('refuses an unsupported weight dtype', async () => {
      const modelJsonPath = await writeConvFolder((json) => {
        (json.weightsManifest[0].weights[0] as { dtype: string }).dtype = 'string';
      });
      await rejectsWithInputError(readModelArtifacts(modelJsonPath), 'unsupported dtype "string"');
    });

    it('sizes int32, bool and quantized (uint8, uint16, float16) weights from shape and dtype', async () => {
      const weights: tf.io.WeightsManifestEntry[] = [
        { name: 'a', shape: [2, 3], dtype: 'float32' },
        { name: 'b', shape: [5], dtype: 'int32' },
        { name: 'c', shape: [7], dtype: 'bool' },
        { name: 'd', shape: [3, 3], dtype: 'float32', quantization: { dtype: 'uint8', scale: 0.1, min: -1 } },
        { name: 'e', shape: [4], dtype: 'float32', quantization: { dtype: 'uint16', scale: 0.01, min: 0 } },
        { name: 'f', shape: [6], dtype: 'float32', quantization: { dtype: 'float16' } },
      ];
      const expectedBytes = 6 * 4 + 5 * 4 + 7 + 9 + 4 * 2 + 6 * 2;
      const json = { ...convRaw.modelJson, weightsManifest: [{ paths: ['w.bin'], weights }] };
      const ok = await writeModelFolder(path.join(root, 'ok'), json, { 'w.bin': new Uint8Array(expectedBytes) });
      const read = await readModelArtifacts(ok);
      assert.equal((read.artifacts.weightData as ArrayBuffer).byteLength, expectedBytes);
      const bad = await writeModelFolder(path.join(root, 'bad'), json, { 'w.bin': new Uint8Array(expectedBytes + 1) });
      await rejectsWithInputError(readModelArtifacts(bad), `need ${expectedBytes} bytes`);
    });

    it('loads a uint8-quantized model, dequantized by TF.js', async () => {
      // Quantize the conv model's weights to uint8 by hand, as tensorflowjs_converter --quantize_uint8 does.
      const floats = new Float32Array(convRaw.weights.slice().buffer);
      let offset = 0;
      const quantized: number[] = [];
      const weights = convRaw.modelJson.weightsManifest[0].weights.map((spec) => {
        const count = spec.shape.reduce((p, d) => p * d, 1);
        const values = floats.subarray(offset, offset + count);
        offset += count;
        const min = Math.min(...values);
        const scale = (Math.max(...values) - min) / 255 || 1;
        values.forEach((v) => quantized.push(Math.round((v - min) / scale)));
        return { ...spec, quantization: { dtype: 'uint8' as const, scale, min } };
      });
      const json = { ...convRaw.modelJson, weightsManifest: [{ paths: ['q.bin'], weights }] };
      const modelJsonPath = await writeModelFolder(path.join(root, 'q'), json, { 'q.bin': Uint8Array.from(quantized) });
      const loaded = await loadModel(modelJsonPath);
      const kernel = loaded.model.getLayer('conv').getWeights()[0].dataSync();
      const original = floats.subarray(0, kernel.length);
      kernel.forEach((v, i) => assert.ok(Math.abs(v - original[i]) < 0.01, `kernel[${i}] ${v} vs ${original[i]}`));
      loaded.model.dispose();
    });
  });

  describe('loadModel', () => {
    it('loads a LayersModel and reports its image input shape', async () => {
      const modelJsonPath = await writeConvFolder();
      const loaded = await loadModel(modelJsonPath);
      assert.deepEqual(loaded.inputShape, { height: 8, width: 8, channels: 1 });
      assert.match(loaded.sha256, /^[0-9a-f]{64}$/);
      assert.equal(loaded.modelDir, path.join(root, 'model'));
      loaded.model.dispose();
    });

    it('refuses a model whose input is not an image, and frees what it built', async () => {
      const mlp = flatInputModel();
      const raw = await captureRawModel(mlp);
      mlp.dispose();
      const modelJsonPath = await writeModelFolder(path.join(root, 'mlp'), raw.modelJson, { 'weights.bin': raw.weights });
      const tensorsBefore = tf.memory().numTensors;
      await rejectsWithInputError(
        loadModel(modelJsonPath),
        'model input shape [null,784] is not an image (expected [batch,height,width,channels]',
      );
      assert.equal(tf.memory().numTensors, tensorsBefore);
    });

    it('refuses a channels-first input, saying so', async () => {
      const model = tf.sequential({ layers: [tf.layers.flatten({ inputShape: [3, 16, 16] }), tf.layers.dense({ units: 2 })] });
      const raw = await captureRawModel(model);
      model.dispose();
      const modelJsonPath = await writeModelFolder(path.join(root, 'nchw'), raw.modelJson, { 'weights.bin': raw.weights });
      await rejectsWithInputError(loadModel(modelJsonPath), '[null,3,16,16] is not an image', 'channels-first');
    });

    it('refuses a model with two inputs', async () => {
      const a = tf.input({ shape: [8, 8, 1] });
      const b = tf.input({ shape: [8, 8, 1] });
      const sum = tf.layers.add().apply([a, b]) as tf.SymbolicTensor;
      const out = tf.layers.dense({ units: 2 }).apply(tf.layers.flatten().apply(sum)) as tf.SymbolicTensor;
      const model = tf.model({ inputs: [a, b], outputs: out });
      const raw = await captureRawModel(model);
      model.dispose();
      const modelJsonPath = await writeModelFolder(path.join(root, 'two'), raw.modelJson, { 'weights.bin': raw.weights });
      await rejectsWithInputError(loadModel(modelJsonPath), 'has 2 inputs', 'single image input');
    });

    it('refuses an image input without fixed height and width', async () => {
      const model = tf.sequential({
        layers: [tf.layers.conv2d({ inputShape: [null, null, 3] as unknown as number[], filters: 2, kernelSize: 1 }), tf.layers.globalAveragePooling2d({})],
      });
      const raw = await captureRawModel(model);
      model.dispose();
      const modelJsonPath = await writeModelFolder(path.join(root, 'free'), raw.modelJson, { 'weights.bin': raw.weights });
      await rejectsWithInputError(loadModel(modelJsonPath), '[null,null,null,3]', 'fixed height and width');
    });

    it('turns a layer TF.js cannot build into an InputError', async () => {
      const modelJsonPath = await writeConvFolder((json) => {
        const topology = json.modelTopology as { config: { layers: { class_name: string }[] } };
        topology.config.layers[0].class_name = 'MyCustomConv';
      });
      await rejectsWithInputError(loadModel(modelJsonPath), 'could not be loaded as a TF.js LayersModel', 'MyCustomConv');
    });
  });

  describe('saveModel', () => {
    async function roundTrip(original: tf.LayersModel, shardSizeBytes?: number): Promise<string[]> {
      const dir = path.join(root, 'saved');
      const saved = await saveModel(original, dir, shardSizeBytes === undefined ? undefined : { shardSizeBytes });
      assert.equal(saved.modelJson, path.join(dir, 'model.json'));
      assert.deepEqual((await fs.readdir(dir)).sort(), ['model.json', ...saved.shards.map((s) => path.basename(s))].sort(), 'no temp files left');

      const viaFromMemory = await loadWithFromMemory(saved.modelJson);
      const viaHttpLoader = await loadWithTfjsHttpLoader(saved.modelJson);
      const viaLoadModel = await loadModel(saved.modelJson);
      try {
        assertSameModels(viaFromMemory, original);
        assertSameModels(viaHttpLoader, original);
        assertSameModels(viaLoadModel.model, original);
      } finally {
        viaFromMemory.dispose();
        viaHttpLoader.dispose();
        viaLoadModel.model.dispose();
      }
      return saved.shards.map((s) => path.basename(s));
    }

    it('round-trips a Sequential conv model exactly (weights and predictions)', async () => {
      const model = smallConvModel();
      randomizeWeights(model, 11);
      assert.deepEqual(await roundTrip(model), ['group1-shard1of1.bin']);
      const json = JSON.parse(await fs.readFile(path.join(root, 'saved', 'model.json'), 'utf8'));
      assert.equal(json.format, 'layers-model');
      assert.deepEqual(json.weightsManifest[0].paths, ['group1-shard1of1.bin']);
      model.dispose();
    });

    it('round-trips a functional model with BatchNormalization and a residual Add exactly', async () => {
      const model = smallResidualModel();
      randomizeWeights(model, 23);
      assert.deepEqual(await roundTrip(model), ['group1-shard1of1.bin']);
      model.dispose();
    });

    it('splits weights into shards named like tfjs, all full but the last', async () => {
      const model = smallResidualModel();
      randomizeWeights(model, 5);
      const names = await roundTrip(model, 256);
      const total = model.countParams() * 4;
      const count = Math.ceil(total / 256);
      assert.deepEqual(
        names,
        Array.from({ length: count }, (_, i) => `group1-shard${i + 1}of${count}.bin`),
      );
      const sizes = await Promise.all(names.map(async (n) => (await fs.stat(path.join(root, 'saved', n))).size));
      assert.ok(sizes.slice(0, -1).every((s) => s === 256));
      assert.equal(sizes.reduce((a, b) => a + b, 0), total);
      model.dispose();
    });

    it('replaces an earlier model.json in the same folder atomically', async () => {
      const first = smallConvModel();
      randomizeWeights(first, 1);
      const second = smallConvModel();
      randomizeWeights(second, 2);
      const dir = path.join(root, 'saved');
      await saveModel(first, dir);
      await saveModel(second, dir);
      const loaded = await loadModel(path.join(dir, 'model.json'));
      assertSameModels(loaded.model, second);
      first.dispose();
      second.dispose();
      loaded.model.dispose();
    });
  });

  describe('sha256File', () => {
    it('hashes a file like sha256sum', async () => {
      const file = path.join(root, 'data.bin');
      const bytes = new Uint8Array(300_000).map((_, i) => (i * 31) & 0xff);
      await fs.writeFile(file, bytes);
      assert.equal(await sha256File(file), createHash('sha256').update(bytes).digest('hex'));
      await fs.writeFile(file, '');
      assert.equal(await sha256File(file), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    });
  });
});
