/**
 * Loading .onnx files: bad input is one InputError naming the file (exit 2 from the CLI, nothing
 * written); unsupported ops and attributes name the node, op type and attribute and list the
 * supported ops; weights in external data files load, but never from outside the model's folder.
 */
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, promises as fs, readFileSync } from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { InputError } from '../../../../../src/engine/errors';
import { loadModel } from '../../../../../src/engine/modelIo';
import { decodeModel, encodeModel } from '../../../../../src/engine/modelIo/onnx/onnxProto';
import { SUPPORTED_OPS } from '../../../../../src/engine/modelIo/onnx/opTable';
import { makeTempDir, removeDir } from '../../../../fixtures/modelFixtures';
import { FIXTURE_DIR, readExport } from '../../../../fixtures/onnx/torchExports';
import { relativeError } from '../../../../fixtures/relativeError';
import { BCU_BIN, requireBuiltCli } from '../../../../fixtures/repoPaths';

const SMALL = path.join(FIXTURE_DIR, 'small_cnn', 'model.onnx');
const FLOAT = 1;

function valueInfo(name: string, dims: (number | string)[]) {
  return { name, type: { tensor_type: { elem_type: FLOAT, shape: { dim: dims.map((d) => (typeof d === 'number' ? { dim_value: d } : { dim_param: d })) } } } };
}

/** A one-node model: Relu (or `node`) on a [N,3,8,8] image. */
function tinyModel(overrides: { node?: Record<string, unknown>; inputs?: unknown[]; outputs?: unknown[]; opset?: number; initializer?: unknown[] } = {}) {
  return encodeModel({
    ir_version: 7,
    opset_import: [{ domain: '', version: overrides.opset ?? 13 }],
    graph: {
      name: 'tiny',
      node: [overrides.node ?? { name: 'act', op_type: 'Relu', input: ['x'], output: ['y'] }],
      input: overrides.inputs ?? [valueInfo('x', ['N', 3, 8, 8])],
      output: overrides.outputs ?? [valueInfo('y', ['N', 3, 8, 8])],
      initializer: overrides.initializer ?? [],
    },
  });
}

async function rejects(file: string, ...fragments: string[]): Promise<string> {
  try {
    const loaded = await loadModel(file);
    loaded.model.dispose();
  } catch (error) {
    assert.ok(error instanceof InputError, `expected InputError, got ${String(error)}`);
    assert.ok(!error.message.includes('\n'), `not one line: ${error.message}`);
    assert.ok(error.message.includes(file), `does not name the file: ${error.message}`);
    for (const f of fragments) assert.ok(error.message.includes(f), `"${error.message}" lacks "${f}"`);
    return error.message;
  }
  return assert.fail(`${file} loaded`);
}

describe('loading .onnx models', function () {
  this.timeout(120_000);
  let dir: string;
  const write = async (name: string, bytes: Uint8Array | string) => {
    const file = path.join(dir, name);
    await fs.mkdir(path.dirname(file), { recursive: true });
    await fs.writeFile(file, bytes);
    return file;
  };
  before(async () => {
    await tf.setBackend('cpu');
    dir = await makeTempDir('onnx-load');
  });
  after(async () => removeDir(dir));

  it('loads a minimal valid model (the crafting helper is sound)', async () => {
    const loaded = await loadModel(await write('ok.onnx', tinyModel()));
    assert.deepEqual(loaded.inputShape, { height: 8, width: 8, channels: 3 });
    loaded.model.dispose();
  });

  it('refuses a truncated file', async () => {
    const bytes = readFileSync(SMALL);
    await rejects(await write('truncated.onnx', bytes.subarray(0, Math.floor(bytes.length / 2))), 'not a valid ONNX model');
  });

  it('refuses files that are not ONNX (wrong magic: JSON, PNG, empty)', async () => {
    await rejects(await write('json.onnx', JSON.stringify({ modelTopology: {} })), 'not a valid ONNX model');
    await rejects(await write('png.onnx', Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13])), 'not a valid ONNX model');
    await rejects(await write('empty.onnx', ''), 'empty');
  });

  it('refuses an opset it does not know', async () => {
    await rejects(await write('opset99.onnx', tinyModel({ opset: 99 })), 'opset 99', 'opset_version');
  });

  it('refuses dynamic spatial dimensions, several inputs and several outputs', async () => {
    await rejects(await write('dynamic.onnx', tinyModel({ inputs: [valueInfo('x', ['N', 3, 'height', 'width'])] })), 'dynamic', '[N,3,height,width]');
    await rejects(await write('two-in.onnx', tinyModel({ inputs: [valueInfo('x', [1, 3, 8, 8]), valueInfo('z', [1, 3, 8, 8])] })), '2 inputs');
    await rejects(await write('two-out.onnx', tinyModel({ outputs: [valueInfo('y', [1, 3, 8, 8]), valueInfo('x', [1, 3, 8, 8])] })), '2 outputs');
  });

  it('refuses tensors declared at 2 GiB or more before allocating them', async () => {
    const huge = { name: 'w', dims: [70000, 70000], data_type: FLOAT, raw_data: new Uint8Array(4) };
    const node = { name: 'mul', op_type: 'Mul', input: ['x', 'w'], output: ['y'] };
    await rejects(await write('huge.onnx', tinyModel({ node, initializer: [huge] })), '"w"', 'GiB');
  });

  it('refuses external data outside the model folder', async () => {
    await write('secret.bin', new Uint8Array(12));
    const w = { name: 'w', dims: [3, 1, 1], data_type: FLOAT, data_location: 1, external_data: [{ key: 'location', value: '../secret.bin' }] };
    const node = { name: 'mul', op_type: 'Mul', input: ['x', 'w'], output: ['y'] };
    await rejects(await write('inner/escape.onnx', tinyModel({ node, initializer: [w] })), '"../secret.bin"', "outside the model's folder");
    const absolute = { ...w, external_data: [{ key: 'location', value: path.join(dir, 'secret.bin') }] };
    await rejects(await write('inner/absolute.onnx', tinyModel({ node, initializer: [absolute] })), "outside the model's folder");
  });

  it('names the node, op type and attribute it cannot import, and lists the supported ops', async () => {
    const lstm = { name: 'rnn', op_type: 'LSTM', input: ['x'], output: ['y'] };
    const message = await rejects(await write('lstm.onnx', tinyModel({ node: lstm })), 'node "rnn"', '(LSTM)', 'op type LSTM', `Supported ops: ${SUPPORTED_OPS.join(', ')}`);
    assert.ok(message.includes('Conv') && message.includes('Gemm'));
    const odd = { name: 'act', op_type: 'Relu', input: ['x'], output: ['y'], attribute: [{ name: 'flavour', type: 2, i: 1 }] };
    await rejects(await write('attr.onnx', tinyModel({ node: odd })), 'node "act"', '(Relu)', 'attribute flavour');
    const pad = { name: 'pad', op_type: 'Pad', input: ['x', 'pads'], output: ['y'], attribute: [{ name: 'mode', type: 3, s: Buffer.from('wrap') }] };
    const pads = { name: 'pads', dims: [8], data_type: 7, int64_data: [0, 0, 1, 1, 0, 0, 1, 1] };
    await rejects(await write('pad.onnx', tinyModel({ node: pad, initializer: [pads] })), 'node "pad"', '(Pad)', 'attribute mode="wrap"');
  });

  it('loads weights from external data beside the model (same logits as inline)', async () => {
    const fixture = readExport(path.join(FIXTURE_DIR, 'small_cnn'));
    const model = decodeModel(readFileSync(SMALL)) as unknown as { graph: { initializer: Record<string, unknown>[] } } & Record<string, unknown>;
    const chunks: Buffer[] = [];
    let offset = 0;
    for (const t of model.graph.initializer) {
      const raw = t.raw_data as Uint8Array | undefined;
      if (!raw || raw.length === 0) continue;
      t.data_location = 1;
      t.external_data = [{ key: 'location', value: 'weights.bin' }, { key: 'offset', value: String(offset) }, { key: 'length', value: String(raw.length) }];
      chunks.push(Buffer.from(raw));
      offset += raw.length;
      delete t.raw_data;
    }
    await write('external/weights.bin', Buffer.concat(chunks));
    const file = await write('external/model.onnx', encodeModel(model));
    assert.ok(readFileSync(file).length < readFileSync(SMALL).length / 2);
    const loaded = await loadModel(file);
    const y = tf.tidy(() => loaded.model.predict(tf.transpose(tf.tensor(fixture.input, fixture.inputDims), [0, 2, 3, 1])) as tf.Tensor);
    assert.ok(relativeError(y.dataSync(), fixture.logits) <= 1e-4);
    y.dispose();
    loaded.model.dispose();
    await fs.unlink(path.join(dir, 'external/weights.bin'));
    await rejects(file, 'weights.bin', 'cannot be read');
  });

  it('bcu exits 2 with one line naming the file and writes nothing', async function () {
    const cli = BCU_BIN;
    requireBuiltCli();
    const bytes = readFileSync(SMALL);
    const bad = await write('cli/truncated.onnx', bytes.subarray(0, 1000));
    const out = path.join(dir, 'cli', 'out');
    const run = spawnSync(process.execPath, [cli, 'cleanse', '--model', bad, '--data', dir, '--out', out, '--backend', 'cpu'], { encoding: 'utf8' });
    assert.equal(run.status, 2, run.stderr);
    const lines = run.stderr.trim().split('\n').filter((l) => !l.startsWith('backend:'));
    assert.equal(lines.length, 1, run.stderr);
    assert.ok(lines[0].includes(bad));
    assert.equal(existsSync(out), false);
  });
});
