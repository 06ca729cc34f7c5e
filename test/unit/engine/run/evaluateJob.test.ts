import * as assert from 'assert';
import * as tf from '@tensorflow/tfjs';
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { encodeIdx } from '../../../../src/engine/data/idxWriter';
import { runEvaluate } from '../../../../src/engine/run/evaluateJob';
import { saveModel } from '../../../../src/engine/modelIo';
import { parseReport } from '../../../../src/extension/reportIndex';
import type { EngineEvent } from '../../../../src/shared/protocol';
import type { BackendInfo } from '../../../../src/shared/report';
import { makeTempDir, randomizeWeights, removeDir, smallConvModel } from '../../../fixtures/modelFixtures';

describe('evaluate job: the engine writes the run record', () => {
  const backend: BackendInfo = { name: 'cpu', threads: 1, reason: 'chosen by the test' };
  let dir: string;
  let modelJson: string;
  let images: string;
  let triggerFile: string;

  before(async () => {
    await tf.setBackend('cpu');
    dir = await makeTempDir('evaluate-job');
    const model = smallConvModel();
    randomizeWeights(model, 3);
    await saveModel(model, path.join(dir, 'model'));
    model.dispose();
    modelJson = path.join(dir, 'model', 'model.json');
    const pixels = new Uint8Array(12 * 8 * 8).map((_, i) => (i * 37) % 256);
    images = path.join(dir, 'test-images-idx3-ubyte');
    await fs.writeFile(images, encodeIdx([12, 8, 8], pixels));
    await fs.writeFile(path.join(dir, 'test-labels-idx1-ubyte'), encodeIdx([12], new Uint8Array(12).map((_, i) => i % 3)));
    triggerFile = path.join(dir, 'badnets.json');
    await fs.writeFile(triggerFile, JSON.stringify({ type: 'badnets', target: 0, size: 3, position: 'bottom-right' }));
  });
  after(() => removeDir(dir));

  it('writes no record without recordsDir', async () => {
    const result = await runEvaluate({ model: modelJson, data: images }, backend, () => undefined);
    assert.equal(result.report, undefined);
    assert.equal(result.n, 12);
  });

  it('records the model hash over model.json and its shards, the parsed trigger and the real backend', async () => {
    const events: EngineEvent[] = [];
    const recordsDir = path.join(dir, 'records');
    const result = await runEvaluate({ model: modelJson, data: images, trigger: triggerFile, recordsDir }, backend, (e) => events.push(e));
    assert.ok(result.report && result.report.startsWith(recordsDir + path.sep), `record under ${recordsDir}: ${result.report}`);
    const text = await fs.readFile(result.report, 'utf8');
    const record = parseReport(text);
    assert.ok(record, 'the report index accepts the record');
    assert.equal(record.kind, 'evaluate');
    const manifest = JSON.parse(await fs.readFile(modelJson, 'utf8')).weightsManifest as { paths: string[] }[];
    const hash = createHash('sha256').update(await fs.readFile(modelJson));
    for (const group of manifest) for (const shard of group.paths) hash.update(await fs.readFile(path.join(dir, 'model', shard)));
    assert.equal(record.inputs.modelSha256, hash.digest('hex'));
    const trigger = record.inputs.trigger as Record<string, unknown>;
    assert.deepEqual([trigger.type, trigger.target, trigger.size, trigger.position], ['badnets', 0, 3, 'bottom-right'], 'the parsed spec, not its path');
    assert.deepEqual(record.inputs.backend, backend);
    assert.deepEqual(record.before, { acc: result.acc, asr: result.asr, ra: result.ra, n: result.n, nTriggered: result.nTriggered });
    assert.ok(events.some((e) => e.type === 'report' && e.path === result.report), 'a report event names the record');
  });
});
