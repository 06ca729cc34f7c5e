/**
 * Nothing a user owns is ever deleted (issue 11, docs/bad-input.md "Output folders"): `--out` is
 * never empty, the current directory, a home directory, a filesystem root or any input's folder;
 * `--force` replaces only a folder Backdoor Cleanse wrote; a failed run leaves no folder behind;
 * file-system errors on --out are one line naming it. Each case runs the real `bcu` and checks that
 * every input and the working directory are byte for byte as they were.
 */
import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { existsSync, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { PNG } from 'pngjs';
import { encodeIdx } from '../../../src/engine/data/idxWriter';
import { saveModel } from '../../../src/engine/modelIo';
import { Rng } from '../../../src/engine/random';
import { OUTPUT_MARKER_FILE, outputFolderRefusal } from '../../../src/shared/outputFolderRule';
import { outputFolderProblem } from '../../../src/extension/outputFolder';
import { DEFAULT_CONFIG } from '../../../src/extension/config';
import { jobSpecFrom } from '../../../src/extension/jobSpecFrom';
import { assertBuilt, bcu, checksums, oneLineReason, type BcuOptions } from '../../fixtures/bcuChild';
import { makeTempDir, removeDir, smallConvModel } from '../../fixtures/modelFixtures';

function grayPng(seed: number): Buffer {
  const png = new PNG({ width: 8, height: 8 });
  const rng = new Rng(seed);
  for (let i = 0; i < 64; i++) {
    const v = rng.int(256);
    png.data.set([v, v, v, 255], i * 4);
  }
  return PNG.sync.write(png, { colorType: 0 });
}

describe('output safety (bcu --out and --force)', function () {
  this.timeout(300_000);
  let root: string;
  let work: string;
  let home: string;
  let model: string;
  let images: string;
  let labeled: string;
  let trigger: string;
  let pattern: string;
  /** Checksums of every input folder and the working directory, taken before each case. */
  let baseline: Record<string, Record<string, string>>;

  const watched = () => ({ model: path.dirname(model), images, labeled, trigger: path.dirname(trigger), pattern: path.dirname(pattern), work, home });
  async function snapshotAll(): Promise<Record<string, Record<string, string>>> {
    const result: Record<string, Record<string, string>> = {};
    for (const [name, dir] of Object.entries(watched())) result[name] = await checksums(dir);
    return result;
  }
  async function assertUnchanged(label: string): Promise<void> {
    assert.deepEqual(await snapshotAll(), baseline, `${label}: an input or the working directory changed`);
  }
  function cleanse(out: string, extra: string[] = [], options: BcuOptions = {}) {
    const args = ['cleanse', '--model', model, '--data', images, '--out', out, '--eval-data', path.join(labeled, 'test-images-idx3-ubyte'), '--trigger', trigger];
    // Random pixels on an untrained model are out of distribution by design: accept the data check's warning.
    return bcu([...args, '--epochs', '1', '--batch', '16', '--unlearn-suspect', '0', '--accept-data-warning', '--backend', 'wasm', '--json', ...extra], { cwd: work, env: { HOME: home }, ...options });
  }

  before(async () => {
    assertBuilt();
    await tf.setBackend('cpu');
    root = await makeTempDir('outsafety');
    work = path.join(root, 'work');
    home = path.join(root, 'home');
    await fs.mkdir(path.join(work, 'sub'), { recursive: true });
    await fs.writeFile(path.join(work, 'notes.txt'), 'my notes');
    await fs.writeFile(path.join(work, 'sub', 'table.csv'), '1,2,3\n');
    await fs.mkdir(home);
    await fs.writeFile(path.join(home, '.profile'), 'export X=1\n');
    const m = smallConvModel();
    await saveModel(m, path.join(root, 'model'));
    m.dispose();
    model = path.join(root, 'model', 'model.json');
    images = path.join(root, 'images');
    await fs.mkdir(images);
    for (let i = 0; i < 24; i++) await fs.writeFile(path.join(images, `img${i}.png`), grayPng(i));
    labeled = path.join(root, 'labeled');
    await fs.mkdir(labeled);
    const rng = new Rng(2);
    await fs.writeFile(path.join(labeled, 'test-images-idx3-ubyte'), encodeIdx([24, 8, 8], new Uint8Array(24 * 64).map(() => rng.int(256))));
    await fs.writeFile(path.join(labeled, 'test-labels-idx1-ubyte'), encodeIdx([24], new Uint8Array(24).map((_, i) => i % 3)));
    pattern = path.join(root, 'pattern', 'noise.png');
    await fs.mkdir(path.dirname(pattern));
    await fs.writeFile(pattern, grayPng(99));
    trigger = path.join(root, 'trigger', 'blend.json');
    await fs.mkdir(path.dirname(trigger));
    await fs.writeFile(trigger, JSON.stringify({ type: 'blended', target: 0, image: pattern, alpha: 0.2 }));
  });
  after(async () => {
    await removeDir(root);
  });
  beforeEach(async () => {
    baseline = await snapshotAll();
  });

  it('refuses an empty --out, the current directory, a folder holding it, a home directory and a filesystem root, even with --force', async () => {
    const cases: [string, RegExp][] = [
      ['', /--out\b.*(empty|required)/],
      ['.', /--out .*work is the current directory/],
      [work, /is the current directory/],
      ['..', /--out .* holds the current directory/],
      [home, /--out .*home is your home directory/],
      [path.parse(root).root, /is the root of a filesystem/],
    ];
    for (const [out, pattern] of cases) {
      for (const force of [[], ['--force']]) {
        const r = cleanse(out, force);
        assert.equal(r.code, 2, `--out "${out}" ${force}: ${r.stderr}`);
        assert.match(oneLineReason(r, 'cleanse'), pattern);
        await assertUnchanged(`--out "${out}"`);
      }
    }
  });

  it('refuses a folder that is, holds or lies inside any input (model, data, eval data, trigger spec, its image)', async () => {
    const cases: [string, RegExp][] = [
      [images, /--out .* is the --data folder/],
      [path.join(images, 'cleansed'), /lies inside the --data folder/],
      [labeled, /holds the --eval-data file/],
      [path.dirname(trigger), /holds the --trigger file/],
      [path.dirname(pattern), /holds the image .*noise\.png of --trigger/],
      [path.dirname(model), /is the input model's folder/],
      [path.join(path.dirname(model), 'out'), /lies inside the input model's folder/],
      [root, /holds /],
    ];
    for (const [out, pattern] of cases) {
      const r = cleanse(out, ['--force']);
      assert.equal(r.code, 2, `${out}: ${r.stderr}`);
      assert.match(oneLineReason(r, 'cleanse'), pattern);
      await assertUnchanged(out);
    }
    assert.ok(!existsSync(path.join(images, 'cleansed')));
  });

  it('--force replaces a folder it wrote, but not one with files it did not write, nor a folder without its marker', async () => {
    const out = path.join(root, 'results', 'cleansed');
    const first = cleanse(out);
    assert.equal(first.code, 0, first.stderr);
    const marker = JSON.parse(await fs.readFile(path.join(out, OUTPUT_MARKER_FILE), 'utf8'));
    assert.equal(marker.tool, 'backdoor-cleanse');
    assert.deepEqual([...marker.files].sort(), (await fs.readdir(out)).filter((f) => f !== OUTPUT_MARKER_FILE).sort());
    await assertUnchanged('first run');

    const again = cleanse(out, ['--force', '--seed', '5']);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(JSON.parse(await fs.readFile(path.join(out, 'report.json'), 'utf8')).settings.seed, 5, 'replaced by the second run');
    await assertUnchanged('forced run');

    await fs.writeFile(path.join(out, 'my-notes.txt'), 'do not delete');
    const mixed = cleanse(out, ['--force']);
    assert.equal(mixed.code, 2, mixed.stderr);
    assert.match(oneLineReason(mixed, 'cleanse'), /holds files Backdoor Cleanse did not write \(my-notes\.txt\)/);
    assert.equal(await fs.readFile(path.join(out, 'my-notes.txt'), 'utf8'), 'do not delete');

    const foreign = path.join(root, 'results', 'foreign');
    await fs.mkdir(foreign);
    await fs.writeFile(path.join(foreign, 'model.json'), 'someone else');
    const refused = cleanse(foreign, ['--force']);
    assert.equal(refused.code, 2, refused.stderr);
    assert.match(oneLineReason(refused, 'cleanse'), new RegExp(`was not written by Backdoor Cleanse \\(it has no ${OUTPUT_MARKER_FILE.replace('.', '\\.')}\\)`));
    assert.deepEqual(await fs.readdir(foreign), ['model.json']);
    await assertUnchanged('refused runs');
  });

  it('a failed run removes the parent folders it created for --out, and only those', async () => {
    const out = path.join(root, 'new1', 'new2', 'out');
    const r = bcu(['cleanse', '--model', model, '--data', path.join(root, 'missing-data'), '--out', out, '--backend', 'wasm', '--json'], { cwd: work, env: { HOME: home } });
    assert.equal(r.code, 2, r.stderr);
    assert.match(oneLineReason(r, 'cleanse'), /missing-data does not exist/);
    assert.ok(!existsSync(path.join(root, 'new1')), 'the created parents are gone');

    await fs.mkdir(path.join(root, 'kept'));
    const nested = bcu(['cleanse', '--model', model, '--data', path.join(root, 'missing-data'), '--out', path.join(root, 'kept', 'a', 'out'), '--backend', 'wasm', '--json'], { cwd: work });
    assert.equal(nested.code, 2, nested.stderr);
    assert.deepEqual(await fs.readdir(path.join(root, 'kept')), [], 'the folder that existed stays, emptied of what the run made');
    await assertUnchanged('failed runs');
  });

  it('--out below a file (ENOTDIR) is one line naming the file, exit 2', async () => {
    const r = cleanse(path.join(work, 'notes.txt', 'out'), ['--force']);
    assert.equal(r.code, 2, r.stderr);
    assert.match(oneLineReason(r, 'cleanse'), /--out .* lies below .*notes\.txt, which is a file/);
    await assertUnchanged('ENOTDIR');
  });

  it('a full disk while writing (ENOSPC) is one line naming --out, nothing is left behind', async () => {
    const out = path.join(root, 'full', 'out');
    const r = cleanse(out, [], { fault: { path: `${path.sep}.out.tmp-`, code: 'ENOSPC', writesOnly: true } });
    assert.equal(r.code, 2, r.stderr);
    assert.match(oneLineReason(r, 'cleanse'), /cannot write the results to --out .*full[\\/]out: the disk is full \(ENOSPC\)/);
    assert.ok(!existsSync(path.join(root, 'full')), 'no output, staging or parent folder left');
    await assertUnchanged('ENOSPC');
  });

  it('attack and defend go through the same rule', async () => {
    const attack = bcu(['attack', '--data', path.join(labeled, 'test-images-idx3-ubyte'), '--trigger', trigger, '--out', labeled, '--force', '--backend', 'wasm', '--json'], { cwd: work });
    assert.equal(attack.code, 2, attack.stderr);
    assert.match(oneLineReason(attack, 'attack'), /--out .*labeled holds the --data file/);
    const defend = bcu(['defend', '--method', 'clp', '--model', model, '--out', '', '--force', '--backend', 'wasm', '--json'], { cwd: work });
    assert.equal(defend.code, 2, defend.stderr);
    assert.match(oneLineReason(defend, 'defend'), /--out\b.*(empty|required)/);
    await assertUnchanged('attack and defend');
  });

  it('the demo refuses the current directory and a folder holding files it did not write', async () => {
    const here = bcu(['demo', '--out', '.', '--quick', '--backend', 'wasm', '--json'], { cwd: work });
    assert.equal(here.code, 2, here.stderr);
    assert.match(oneLineReason(here, 'demo'), /is the current directory/);
    const mine = path.join(root, 'demo-here');
    await fs.mkdir(path.join(mine, 'data'), { recursive: true });
    await fs.writeFile(path.join(mine, 'badnets.json'), 'my own trigger');
    await fs.writeFile(path.join(mine, 'data', 'my-images.csv'), '1,2');
    const r = bcu(['demo', '--out', mine, '--quick', '--backend', 'wasm', '--json'], { cwd: work });
    assert.equal(r.code, 2, r.stderr);
    assert.match(oneLineReason(r, 'demo'), /holds files the demo did not write \(badnets\.json, data\/my-images\.csv\)/);
    assert.equal(await fs.readFile(path.join(mine, 'badnets.json'), 'utf8'), 'my own trigger');
    await assertUnchanged('demo');
  });
});

describe('the output-folder rule (shared with the extension)', () => {
  const facts = { cwd: '/w/project', home: '/home/me', inputs: [{ what: 'the --data folder /w/data', path: '/w/data', isFolder: true }] };

  it('allows a new folder beside the inputs and refuses each protected place', () => {
    assert.equal(outputFolderRefusal({ ...facts, given: '/w/out', resolved: '/w/out' }), null);
    assert.equal(outputFolderRefusal({ ...facts, given: 'out', resolved: '/w/project/out' }), null);
    const refused: [string, RegExp][] = [
      ['/w/project', /current directory/],
      ['/w', /holds the current directory/],
      ['/home/me', /home directory/],
      ['/home', /holds your home directory/],
      ['/', /root of a filesystem/],
      ['/w/data', /is the --data folder/],
      ['/w/data/x', /lies inside the --data folder/],
    ];
    for (const [out, pattern] of refused) assert.match(outputFolderRefusal({ ...facts, given: out, resolved: out }) ?? 'allowed', pattern, out);
    assert.match(outputFolderRefusal({ ...facts, given: '  ', resolved: '/w/project' }) ?? 'allowed', /--out is empty/);
  });

  it('the extension refuses an output folder pattern that lands on an input before starting a job', () => {
    const job = { model: '/w/models/m/model.json', data: '/w/images' };
    assert.equal(outputFolderProblem({ ...job, out: '/w/models/m-cleansed' }, '/w'), null);
    assert.match(outputFolderProblem({ ...job, out: '/w/models/m' }, '/w') ?? 'allowed', /the output folder .* is the model's folder/);
    assert.match(outputFolderProblem({ ...job, out: '/w/images/out' }, '/w') ?? 'allowed', /lies inside the data/);
    assert.match(outputFolderProblem({ ...job, out: '/w' }, '/w') ?? 'allowed', /current directory/);
    const choice = jobSpecFrom(DEFAULT_CONFIG, { kind: 'cleanse', params: { model: '/w/models/m/model.json', data: '/w/images', out: '/w/images' } }, {
      absolute: (f) => f,
      workspaceFolderOf: () => '/w',
      exists: () => false,
    });
    assert.equal(choice.ok, false);
    assert.match((choice as { message: string }).message, /is the data/);
  });
});
