import * as tf from '@tensorflow/tfjs';
import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { EngineEvent } from '../../../../src/shared/protocol';
import type { RunRecord } from '../../../../src/shared/report';
import { OUTPUT_MARKER_FILE } from '../../../../src/shared/outputFolderRule';
import { recordHeader } from '../../../../src/engine/run/recordHeader';
import { stagedRun } from '../../../../src/engine/run/stagedRun';
import { makeTempDir, removeDir, smallConvModel } from '../../../fixtures/modelFixtures';

function minimalRecord(files: { model: string; report: string }): RunRecord {
  return {
    ...recordHeader('attack'),
    inputs: { model: files.model, modelSha256: '', data: null, images: 0, skippedImages: 0, backend: { name: 'cpu', threads: 1, reason: 'test' }, evalData: null, trigger: null },
    outputs: files,
    settings: {},
    epochs: [],
    layers: [],
    before: null,
    after: null,
    warnings: [],
    timings: {},
  };
}

describe('stagedRun (the shared sequence of cleanse, defend and attack)', () => {
  let dir: string;
  before(async () => {
    await tf.setBackend('cpu');
  });
  beforeEach(async () => {
    dir = await makeTempDir('staged-run');
  });
  afterEach(async () => {
    await removeDir(dir);
  });

  it('commits the model, the record and the marker, announces the record, times phases and releases once', async () => {
    const out = path.join(dir, 'out');
    const events: EngineEvent[] = [];
    let released = 0;
    const model = smallConvModel();
    const result = await stagedRun({ out, inputs: {}, startedAt: Date.now() - 1500, sink: (e) => events.push(e), release: () => { released++; } }, async (stage) => {
      await stage.timed('workSeconds', () => new Promise((resolve) => setTimeout(resolve, 20)));
      return stage.commit(model, { epoch: 1, epochs: 1, record: (files) => ({ ...minimalRecord(files), timings: stage.timings }) });
    });
    model.dispose();
    assert.equal(released, 1);
    assert.deepEqual((await fs.readdir(out)).sort(), ['group1-shard1of1.bin', OUTPUT_MARKER_FILE, 'model.json', 'report.json'].sort());
    const written = JSON.parse(await fs.readFile(path.join(out, 'report.json'), 'utf8')) as RunRecord;
    assert.equal(written.outputs.model, path.join(out, 'model.json'));
    assert.ok(written.timings.workSeconds >= 0.015, `workSeconds ${written.timings.workSeconds}`);
    assert.ok(written.timings.totalSeconds >= 1.5, `totalSeconds ${written.timings.totalSeconds} counts from startedAt`);
    assert.equal(result.outputs.report, path.join(out, 'report.json'));
    assert.deepEqual(events.map((e) => e.type), ['progress', 'report']);
  });

  it('a failing method leaves no --out and no staging folder, and still releases the models', async () => {
    const out = path.join(dir, 'nested', 'out');
    let released = 0;
    await assert.rejects(
      stagedRun({ out, inputs: {}, startedAt: Date.now(), sink: () => undefined, release: () => { released++; } }, async () => {
        throw new Error('the method failed');
      }),
      /the method failed/,
    );
    assert.equal(released, 1);
    assert.deepEqual(await fs.readdir(dir), [], 'the parent folders it created are gone too');
  });

  it('a refused --out releases the models before the error reaches the caller', async () => {
    let released = 0;
    await assert.rejects(
      stagedRun({ out: '', inputs: {}, startedAt: Date.now(), sink: () => undefined, release: () => { released++; } }, async () => 'never'),
      /--out/,
    );
    assert.equal(released, 1);
  });
});
