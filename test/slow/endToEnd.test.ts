/**
 * The CI-sized end-to-end proof: `bcu demo --quick` on synthetic data (no files needed) backdoors
 * a small CNN with BadNets and cleanses it with the shipped defaults on held-out unlabeled images.
 * The attack must take, and after the cleanse the ASR must have fallen while ACC holds.
 */
import * as assert from 'assert';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runDemo } from '../../src/cli/demo';
import type { EngineEvent } from '../../src/shared/protocol';

describe('end to end: backdoor, then cleanse without labels (synthetic, CI-sized)', function () {
  this.timeout(20 * 60 * 1000);
  let out: string;

  before(async () => {
    out = await fs.mkdtemp(path.join(os.tmpdir(), 'bcu-e2e-'));
  });

  after(async () => {
    await fs.rm(out, { recursive: true, force: true });
  });

  it('ASR falls and ACC holds', async () => {
    const events: EngineEvent[] = [];
    const result = await runDemo({ quick: true, backend: 'wasm', out }, (e) => events.push(e));
    const { before, after } = result;
    assert.ok(before && after);
    console.log(`      attacked: ACC ${before.acc}, ASR ${before.asr}; cleansed: ACC ${after.acc}, ASR ${after.asr}`);
    assert.ok((before.acc as number) >= 0.9, `the attacked model is accurate: ACC ${before.acc}`);
    assert.ok((before.asr as number) >= 0.9, `the backdoor took: ASR ${before.asr}`);
    assert.ok((after.asr as number) <= E2E_MAX_ASR, `ASR fell to ${after.asr} (<= ${E2E_MAX_ASR})`);
    assert.ok((after.acc as number) >= (before.acc as number) - E2E_MAX_ACC_DROP, `ACC held: ${before.acc} -> ${after.acc}`);
    const report = JSON.parse(await fs.readFile(result.report, 'utf8'));
    assert.strictEqual(report.kind, 'cleanse');
    assert.ok(report.epochs.length > 0 && report.layers.length > 0);
    assert.ok(events.some((e) => e.type === 'epoch'));
  });
});

const E2E_MAX_ASR = 0.05;
const E2E_MAX_ACC_DROP = 0.03;
