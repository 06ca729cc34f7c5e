/**
 * The real worker (dist/worker.js) running the real engine on a tiny model made here with tfjs:
 * conv + dense on 8x8x1, saved as model.json + weights, and 64 PNG images written with pngjs.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { PNG } from 'pngjs';
import type { CleanseResult } from '../../src/shared/protocol';
import { activateExtension, codeLensTitles, scratchFolder, stagingLeftovers } from './helpers';


/** Builds and saves a tiny classifier as a TF.js LayersModel in `dir` (model.json + weights.bin). */
async function saveTinyModel(dir: string): Promise<string> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const tf: typeof import('@tensorflow/tfjs') = require('@tensorflow/tfjs');
  await tf.setBackend('cpu');
  const model = tf.sequential({
    layers: [
      tf.layers.conv2d({ inputShape: [8, 8, 1], filters: 4, kernelSize: 3, activation: 'relu', name: 'conv' }),
      tf.layers.flatten({ name: 'flatten' }),
      tf.layers.dense({ units: 2, activation: 'softmax', name: 'classifier' }),
    ],
  });
  fs.mkdirSync(dir, { recursive: true });
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const weightData = artifacts.weightData as ArrayBuffer;
      fs.writeFileSync(path.join(dir, 'weights.bin'), Buffer.from(weightData));
      const json = { format: 'layers-model', generatedBy: 'integration test', convertedBy: null, modelTopology: artifacts.modelTopology, weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs }] };
      fs.writeFileSync(path.join(dir, 'model.json'), JSON.stringify(json));
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  model.dispose();
  return path.join(dir, 'model.json');
}

function writeImages(dir: string, count: number): void {
  fs.mkdirSync(dir, { recursive: true });
  let seed = 7;
  const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  for (let i = 0; i < count; i++) {
    const png = new PNG({ width: 8, height: 8 });
    for (let p = 0; p < 64; p++) {
      const v = Math.floor(random() * 256);
      png.data.set([v, v, v, 255], p * 4);
    }
    fs.writeFileSync(path.join(dir, `img${String(i).padStart(3, '0')}.png`), PNG.sync.write(png, { colorType: 0 }));
  }
}

describe('the real worker', function () {
  this.timeout(180000);

  it('a cleansing job on a tiny model through the real worker writes the cleansed model and report', async function () {
    const api = await activateExtension();
    api.testing.setWorker(undefined);
    const dir = scratchFolder('real');
    try {
      const modelPath = await saveTinyModel(path.join(dir, 'tiny'));
      writeImages(path.join(dir, 'images'), 64);
      const out = path.join(dir, 'tiny-cleansed');
      const failures: string[] = [];
      const sub = api.services.runner.onDidEnd((end) => end.error && failures.push(`${end.error.kind}: ${end.error.message}`));
      const result = await vscode.commands.executeCommand<CleanseResult>('backdoorCleanse.cleanseModel', vscode.Uri.file(modelPath), { data: path.join(dir, 'images'), out, epochs: 1, batch: 16, acceptDataWarning: true });
      sub.dispose();
      assert.ok(result, `the cleanse succeeds (${failures.join('; ') || 'no failure reported'})`);
      assert.equal(path.resolve(result.model), path.join(out, 'model.json'));
      assert.ok(fs.existsSync(path.join(out, 'model.json')));
      const report = JSON.parse(fs.readFileSync(path.join(out, 'report.json'), 'utf8'));
      assert.equal(report.tool.name, 'backdoor-cleanse');
      assert.equal(report.kind, 'cleanse');
      assert.equal(path.resolve(report.inputs.model), modelPath);
      assert.deepEqual(report.layers.map((l: { name: string }) => l.name).filter((n: string) => n === 'conv' || n === 'classifier'), ['conv', 'classifier']);
      assert.deepEqual(stagingLeftovers(dir), []);
      assert.ok(api.services.reports.latestFor(modelPath), 'the report is indexed');
      const titles = await codeLensTitles(vscode.Uri.file(modelPath));
      assert.match(titles[0] ?? '', /^Backdoor Cleanse: /);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
