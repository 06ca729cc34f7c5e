/**
 * The safety checks inside runCleanse, on a tiny model and 96 random 8x8 images: every check lands in
 * the run record, warnings reach the record and a 'warn' log event, and the cleanse is never blocked.
 */
import * as assert from 'assert';
import { existsSync } from 'fs';
import * as tf from '@tensorflow/tfjs';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { runCleanse } from '../../../../../src/engine/bcu/cleanse';
import { InputError } from '../../../../../src/engine/errors';
import type { EngineEvent } from '../../../../../src/shared/protocol';
import type { RunRecord } from '../../../../../src/shared/report';
import { makeCleanseWorkspace, type CleanseWorkspace } from '../../../../fixtures/cleanseWorkspace';

const BACKEND = { name: 'cpu' as const, threads: 1, reason: 'test' };

describe('safety checks inside runCleanse', function () {
  this.timeout(120_000);
  let workspace: CleanseWorkspace;
  let dir: string;
  let modelJson: string;
  let images: string;
  let labeled: string;
  let trigger: string;

  before(async () => {
    await tf.setBackend('cpu');
    workspace = await makeCleanseWorkspace('safety');
    ({ dir, modelJson, images, labeled, trigger } = workspace);
  });

  after(() => workspace.remove());

  it('records the data check, transfer watch, selection, output change and re-activation probe', async () => {
    const events: EngineEvent[] = [];
    const out = path.join(dir, 'cleansed');
    const result = await runCleanse(
      // Random pixels on an untrained model: out of distribution, so the warning must be accepted.
      { model: modelJson, data: images, out, epochs: 4, batch: 32, evalData: labeled, trigger, acceptDataWarning: true, select: 'on', reactivationProbe: true },
      BACKEND,
      (e) => events.push(e),
    );
    const report = JSON.parse(await fs.readFile(result.report, 'utf8')) as RunRecord;
    // 96 images is below the data check's minimum: a warning, and the cleanse still ran.
    assert.strictEqual(report.dataQuality?.verdict, 'warn');
    assert.strictEqual(report.dataQuality?.images, 96);
    assert.ok(report.warnings.some((w) => /Only 96 images/.test(w)));
    assert.strictEqual(report.settings.dataWarningAccepted, true);
    assert.ok(report.warnings.some((w) => /data warning accepted: milder settings/.test(w)));
    assert.ok(events.some((e) => e.type === 'log' && e.level === 'warn' && /Only 96 images/.test(e.message)));
    const ran = report.epochs.length;
    assert.ok(ran >= 1 && ran <= 4);
    assert.strictEqual(report.transferWatch?.epochs.length, ran);
    for (const e of report.epochs) assert.ok(typeof e.probeAgreement === 'number' && e.probeAgreement >= 0 && e.probeAgreement <= 1);
    assert.ok(report.selection && report.selection.epoch >= 1 && report.selection.epoch <= ran);
    assert.match(report.selection.rule, /no labels used/);
    assert.strictEqual(report.settings.select, true);
    const conv = report.layers.find((l) => l.name === 'conv');
    assert.ok(conv && typeof conv.outputChange === 'number' && conv.outputChange > 0, JSON.stringify(conv));
    assert.deepStrictEqual(report.reactivation?.steps, [0, 5, 10, 20]);
    assert.strictEqual(report.reactivation?.attackedAsr.length, 4);
    assert.strictEqual(report.reactivation?.cleansedAsr.length, 4);
    for (const a of [...(report.reactivation?.attackedAsr ?? []), ...(report.reactivation?.cleansedAsr ?? [])]) assert.ok(a >= 0 && a <= 1);
  });

  it('with --select off the last epoch is kept and all epochs run; the probe needs a trigger', async () => {
    const result = await runCleanse({ model: modelJson, data: images, out: path.join(dir, 'plain'), epochs: 3, batch: 32, acceptDataWarning: true }, BACKEND, () => undefined);
    const report = JSON.parse(await fs.readFile(result.report, 'utf8')) as RunRecord;
    assert.strictEqual(report.epochs.length, 3);
    assert.strictEqual(report.selection?.epoch, 3);
    assert.strictEqual(report.reactivation, null);
    await assert.rejects(
      runCleanse({ model: modelJson, data: images, out: path.join(dir, 'noprobe'), epochs: 1, reactivationProbe: true }, BACKEND, () => undefined),
      (err: unknown) => err instanceof InputError && /--reactivation-probe needs --eval-data and --trigger/.test((err as Error).message),
    );
    await assert.rejects(
      runCleanse({ model: modelJson, data: images, out: path.join(dir, 'badselect'), epochs: 1, select: 'maybe' as 'on' }, BACKEND, () => undefined),
      /--select must be on or off/,
    );
    await assert.rejects(
      runCleanse({ model: modelJson, data: images, out: path.join(dir, 'badfocus'), epochs: 1, unlearnFocus: 'yes' as 'on' }, BACKEND, () => undefined),
      /--unlearn-focus must be on or off, got "yes"/,
    );
  });

  it('out-of-distribution images stop the cleanse before training unless the warning is accepted', async () => {
    const out = path.join(dir, 'gated');
    const events: EngineEvent[] = [];
    await assert.rejects(
      runCleanse({ model: modelJson, data: images, out, epochs: 1, batch: 32 }, BACKEND, (e) => events.push(e)),
      (err: unknown) => err instanceof InputError && /data check failed on .*stopped before training.*--accept-data-warning/.test((err as Error).message),
    );
    assert.ok(!events.some((e) => e.type === 'progress' && e.phase === 'distill'), 'no training step ran');
    assert.ok(!existsSync(out), 'nothing written');
  });
});
