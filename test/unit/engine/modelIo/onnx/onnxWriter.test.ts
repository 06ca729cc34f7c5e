/**
 * Writing ONNX back: the written model.onnx is the original graph byte for byte apart from the
 * initializers, and onnxruntime-node (an independent ONNX runtime) computes our tfjs model's
 * logits from it, before and after a short cleanse (BatchNorm statistics included).
 * Reproduce: npm run build:tests && npx mocha --no-config --timeout 600000 out/test/unit/engine/modelIo/onnx/onnxWriter.test.js
 */
import * as assert from 'node:assert/strict';
import { promises as fs, readFileSync } from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import * as ort from 'onnxruntime-node';
import { runCleanse } from '../../../../../src/engine/bcu/cleanse';
import { loadModel, saveModel } from '../../../../../src/engine/modelIo';
import { decodeOnnxFile } from '../../../../../src/engine/modelIo/onnx/modelChecks';
import { splitFields } from '../../../../../src/engine/modelIo/onnx/protoWire';
import { readTensor } from '../../../../../src/engine/modelIo/onnx/tensorData';
import { makeTempDir, removeDir } from '../../../../fixtures/modelFixtures';
import { FIXTURE_DIR, readExport, type TorchExport } from '../../../../fixtures/onnx/torchExports';
import { idxBytes } from '../../../../fixtures/dataFixtures';
import { relativeError } from '../../../../fixtures/relativeError';

const BACKEND = { name: 'cpu' as const, threads: 1, reason: 'test' };

async function ortLogits(onnxPath: string, fixture: TorchExport): Promise<Float32Array> {
  const session = await ort.InferenceSession.create(onnxPath);
  const out = await session.run({ [session.inputNames[0]]: new ort.Tensor('float32', fixture.input, fixture.inputDims) });
  await session.release();
  return out[session.outputNames[0]].data as Float32Array;
}

function tfjsLogits(model: tf.LayersModel, fixture: TorchExport): Float32Array {
  const y = tf.tidy(() => model.predict(tf.transpose(tf.tensor(fixture.input, fixture.inputDims), [0, 2, 3, 1])) as tf.Tensor);
  const values = y.dataSync() as Float32Array;
  y.dispose();
  return values;
}

/** Every byte outside the graph's initializer fields, in order, and the initializer names. */
function withoutInitializers(bytes: Uint8Array): { rest: Buffer[]; initializers: string[] } {
  const rest: Buffer[] = [];
  for (const f of splitFields(bytes)) {
    if (f.field !== 7) {
      rest.push(Buffer.from(bytes.subarray(f.start, f.end)));
      continue;
    }
    const graph = bytes.subarray(f.payloadStart, f.end);
    for (const g of splitFields(graph)) if (g.field !== 5) rest.push(Buffer.from(graph.subarray(g.start, g.end)));
  }
  return { rest, initializers: decodeOnnxFile(bytes, 'x').graph.initializer.map((t) => t.name) };
}

describe('ONNX writer (model.onnx beside the TF.js copy)', function () {
  this.timeout(600_000);
  const fixture = readExport(path.join(FIXTURE_DIR, 'small_cnn'));
  let dir: string;
  before(async () => {
    await tf.setBackend('cpu');
    dir = await makeTempDir('onnx-writer');
  });
  after(async () => removeDir(dir));

  it('unchanged weights: the same bytes apart from the initializers, and onnxruntime gives our (and PyTorch\'s) logits', async () => {
    const loaded = await loadModel(fixture.onnxPath);
    const out = path.join(dir, 'unchanged');
    const saved = await saveModel(loaded.model, out, { onnx: loaded.onnx });
    assert.equal(saved.onnx, path.join(out, 'model.onnx'));
    const original = withoutInitializers(readFileSync(fixture.onnxPath));
    const written = withoutInitializers(readFileSync(saved.onnx as string));
    assert.deepEqual(written.initializers, original.initializers);
    assert.equal(written.rest.length, original.rest.length);
    written.rest.forEach((bytes, i) => assert.ok(bytes.equals(original.rest[i]), `field ${i} differs`));
    const ours = tfjsLogits(loaded.model, fixture);
    const runtime = await ortLogits(saved.onnx as string, fixture);
    assert.ok(relativeError(runtime, ours) <= 1e-4, `onnxruntime vs tfjs ${relativeError(runtime, ours)}`);
    assert.ok(relativeError(runtime, fixture.logits) <= 1e-4, `onnxruntime vs PyTorch ${relativeError(runtime, fixture.logits)}`);
    loaded.model.dispose();
  });

  it('after a short cleanse: onnxruntime on the cleansed model.onnx gives the cleansed TF.js model\'s logits', async () => {
    const images = path.join(dir, 'pool-images-idx3-ubyte');
    let seed = 7;
    const pixels = Array.from({ length: 48 * 32 * 32 }, () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) >> 16) & 255);
    await fs.writeFile(images, idxBytes([48, 32, 32], pixels));
    const out = path.join(dir, 'cleansed');
    // Random pixels are out of distribution for any model: the data check's warning is accepted.
    const result = await runCleanse({ model: fixture.onnxPath, data: images, out, epochs: 1, batch: 16, unlearnSuspect: 0, acceptDataWarning: true }, BACKEND, () => undefined);
    assert.equal(result.onnx, path.join(out, 'model.onnx'));
    const report = JSON.parse(readFileSync(result.report, 'utf8'));
    assert.equal(report.outputs.onnx, result.onnx);
    assert.equal(report.inputs.scalingFrom, 'model metadata');
    assert.deepEqual(report.settings.scaling, { mode: 'unit', mean: [0.5, 0.5, 0.5], std: [0.25, 0.25, 0.25] });

    const cleansed = await loadModel(result.model);
    const ours = tfjsLogits(cleansed.model, fixture);
    const runtime = await ortLogits(result.onnx as string, fixture);
    assert.ok(relativeError(runtime, ours) <= 1e-4, `onnxruntime vs tfjs ${relativeError(runtime, ours)}`);
    assert.ok(relativeError(runtime, fixture.logits) > 1e-3, 'the cleanse changed nothing');
    // The BatchNorm statistics in the file are the cleansed model's moving mean and variance.
    const bn = cleansed.model.layers.find((l) => l.getClassName() === 'BatchNormalization') as tf.layers.Layer;
    const graph = decodeOnnxFile(readFileSync(result.onnx as string), 'x').graph;
    const bnNode = graph.node.find((n) => n.op_type === 'BatchNormalization');
    assert.ok(bnNode);
    const mean = readTensor(graph.initializer.find((t) => t.name === bnNode.input[3]) as never, 'x');
    assert.ok(relativeError(mean.data as Float32Array, bn.getWeights()[2].dataSync()) < 1e-6);
    cleansed.model.dispose();
  });
});
