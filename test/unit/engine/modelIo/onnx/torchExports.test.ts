/**
 * Real exports: torch.onnx.export of a small CNN (committed) and torchvision 0.14 resnet18,
 * mobilenet_v2 and vgg11_bn (random weights, generated when python3-torch is installed): our
 * logits equal PyTorch's within 1e-4 (max |diff| / max(1, max |logit|)). The torchvision models are
 * imported on the WASM backend in a child process (compareExport.ts).
 * Reproduce: npm run build:tests && npx mocha --no-config --timeout 600000 out/test/unit/engine/modelIo/onnx/torchExports.test.js
 */
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { loadModel } from '../../../../../src/engine/modelIo';
import { FIXTURE_DIR, readExport, torchExport, type TorchExport } from '../../../../fixtures/onnx/torchExports';
import { relativeError } from '../../../../fixtures/relativeError';
import { compiled } from '../../../../fixtures/repoPaths';

async function ourLogits(fixture: TorchExport): Promise<{ logits: Float32Array; layers: number }> {
  const loaded = await loadModel(fixture.onnxPath);
  try {
    const logits = tf.tidy(() => {
      const nchw = tf.tensor(fixture.input, fixture.inputDims, 'float32');
      return loaded.model.predict(tf.transpose(nchw, [0, 2, 3, 1])) as tf.Tensor;
    });
    const values = logits.dataSync() as Float32Array;
    logits.dispose();
    return { logits: values, layers: loaded.model.layers.length };
  } finally {
    loaded.model.dispose();
  }
}

describe('ONNX import of torch.onnx.export models', function () {
  this.timeout(900_000);
  before(async () => {
    await tf.setBackend('cpu');
  });

  it('small CNN (committed fixture): logits equal PyTorch within 1e-4', async () => {
    const fixture = readExport(path.join(FIXTURE_DIR, 'small_cnn'));
    const { logits } = await ourLogits(fixture);
    assert.equal(logits.length, fixture.logits.length);
    const error = relativeError(logits, fixture.logits);
    assert.ok(error <= 1e-4, `relative error ${error}`);
  });

  for (const name of ['resnet18', 'mobilenet_v2', 'vgg11_bn']) {
    it(`torchvision ${name}: logits equal PyTorch within 1e-4`, async function () {
      const fixture = torchExport(name);
      if (!fixture) {
        console.log(`    python3-torch is not installed: ${name} not exported (scripts/install-test-deps.sh installs it)`);
        this.skip();
      }
      const child = spawnSync(process.execPath, [compiled('test/fixtures/onnx/compareExport.ts'), fixture.dir], { encoding: 'utf8' });
      assert.equal(child.status, 0, child.stderr);
      const { error, layers } = JSON.parse(child.stdout.trim().split('\n').pop() as string) as { error: number | null; layers: number };
      assert.ok(error != null, 'logits of another length than PyTorch\'s');
      console.log(`    ${name}: ${layers} layers, relative error ${error.toExponential(2)}`);
      assert.ok(error <= 1e-4, `relative error ${error}`);
    });
  }
});
