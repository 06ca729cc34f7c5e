import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { InputError } from '../../../../src/engine/errors';
import { prepareOutput, writeFileAtomic } from '../../../../src/engine/run/outputDir';
import { OUTPUT_MARKER_FILE } from '../../../../src/shared/outputFolderRule';
import { makeTempDir, removeDir } from '../../../fixtures/modelFixtures';
import { compiled } from '../../../fixtures/repoPaths';

async function rejectsWithInputError(promise: Promise<unknown>, ...fragments: string[]): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof InputError, `expected InputError, got ${String(error)}`);
    for (const fragment of fragments) assert.ok(error.message.includes(fragment), `"${error.message}" lacks "${fragment}"`);
    return true;
  });
}

async function exists(p: string): Promise<boolean> {
  return fs.lstat(p).then(
    () => true,
    () => false,
  );
}

/** Every file under `dir` with its content (the marker left out), for before/after comparisons. */
async function snapshot(dir: string): Promise<Record<string, string>> {
  const result: Record<string, string> = {};
  for (const entry of await fs.readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || entry.name === OUTPUT_MARKER_FILE) continue;
    const full = path.join(entry.parentPath, entry.name);
    result[path.relative(dir, full)] = await fs.readFile(full, 'utf8');
  }
  return result;
}

/** Makes `dir` look like an output this tool wrote (a marker listing `files`), so --force may replace it. */
async function markAsOurs(dir: string, files: string[]): Promise<void> {
  await fs.writeFile(path.join(dir, OUTPUT_MARKER_FILE), JSON.stringify({ tool: 'backdoor-cleanse', files }));
}

describe('outputDir', () => {
  let root: string;
  let modelDir: string;

  beforeEach(async () => {
    root = await makeTempDir('outdir');
    modelDir = path.join(root, 'model');
    await fs.mkdir(modelDir);
    await fs.writeFile(path.join(modelDir, 'model.json'), '{}');
  });
  afterEach(async () => {
    await removeDir(root);
  });

  describe('prepareOutput refuses', () => {
    it('--out equal to the input model folder (also spelled differently), even with force', async () => {
      for (const spelling of [modelDir, `${modelDir}${path.sep}`, path.join(modelDir, 'sub', '..')]) {
        for (const force of [false, true]) {
          await rejectsWithInputError(prepareOutput(spelling, { inputModelDir: modelDir, force }), "is the input model's folder", 'Choose a new folder');
        }
      }
      assert.deepEqual(await fs.readdir(root), ['model'], 'no staging folder was created');
    });

    it('--out equal to the model folder through a symlink', async function () {
      if (process.platform === 'win32') this.skip();
      const link = path.join(root, 'link');
      await fs.symlink(modelDir, link);
      await rejectsWithInputError(prepareOutput(link, { inputModelDir: modelDir, force: true }), "is the input model's folder");
    });

    it('--out inside the input model folder, even with force, even when it does not exist yet', async () => {
      for (const force of [false, true]) {
        await rejectsWithInputError(
          prepareOutput(path.join(modelDir, 'cleansed', 'deeper'), { inputModelDir: modelDir, force }),
          "lies inside the input model's folder",
        );
      }
      assert.deepEqual(await fs.readdir(modelDir), ['model.json']);
    });

    it('accepts the model.json path as inputModelDir', async () => {
      await rejectsWithInputError(prepareOutput(path.join(modelDir, 'out'), { inputModelDir: path.join(modelDir, 'model.json') }), 'lies inside');
    });

    it('--out that contains the input model folder (force would delete the model)', async () => {
      await rejectsWithInputError(prepareOutput(root, { inputModelDir: modelDir, force: true }), "holds the input model's folder");
      assert.ok(await exists(path.join(modelDir, 'model.json')));
    });

    it('an existing non-empty folder without force, leaving it untouched', async () => {
      const out = path.join(root, 'out');
      await fs.mkdir(out);
      await fs.writeFile(path.join(out, 'keep.txt'), 'old');
      await rejectsWithInputError(prepareOutput(out, { inputModelDir: modelDir }), 'already exists and is not empty', '--force');
      assert.deepEqual(await snapshot(out), { 'keep.txt': 'old' });
      assert.deepEqual((await fs.readdir(root)).sort(), ['model', 'out']);
    });

    it('--out that is a file', async () => {
      const out = path.join(root, 'out.txt');
      await fs.writeFile(out, 'x');
      await rejectsWithInputError(prepareOutput(out, { inputModelDir: modelDir, force: true }), 'is a file, not a folder');
    });
  });

  describe('staging and commit', () => {
    it('stages in a hidden sibling and creates --out only at commit', async () => {
      const out = path.join(root, 'nested', 'out');
      const staged = await prepareOutput(out, { inputModelDir: modelDir });
      assert.equal(staged.outDir, out);
      assert.equal(path.dirname(staged.stagingDir), path.dirname(out));
      assert.match(path.basename(staged.stagingDir), new RegExp(`^\\.out\\.tmp-${process.pid}-[0-9a-f]+$`));
      await fs.writeFile(path.join(staged.stagingDir, 'model.json'), 'new');
      assert.equal(await exists(out), false, 'nothing at --out before commit');
      await staged.commit();
      assert.deepEqual(await snapshot(out), { 'model.json': 'new' });
      assert.deepEqual(JSON.parse(await fs.readFile(path.join(out, OUTPUT_MARKER_FILE), 'utf8')), { tool: 'backdoor-cleanse', files: ['model.json'] });
      assert.deepEqual(await fs.readdir(path.dirname(out)), ['out'], 'no staging folder left');
    });

    it('uses an existing empty folder', async () => {
      const out = path.join(root, 'out');
      await fs.mkdir(out);
      const staged = await prepareOutput(out, { inputModelDir: modelDir });
      await fs.writeFile(path.join(staged.stagingDir, 'a.txt'), 'a');
      await staged.commit();
      assert.deepEqual(await snapshot(out), { 'a.txt': 'a' });
    });

    it('with force keeps the old contents until commit, then replaces them entirely', async () => {
      const out = path.join(root, 'out');
      await fs.mkdir(path.join(out, 'sub'), { recursive: true });
      await fs.writeFile(path.join(out, 'model.json'), 'old');
      await fs.writeFile(path.join(out, 'sub', 'stale.bin'), 'old');
      await markAsOurs(out, ['model.json', 'sub/stale.bin']);
      const staged = await prepareOutput(out, { inputModelDir: modelDir, force: true });
      await fs.writeFile(path.join(staged.stagingDir, 'model.json'), 'new');
      assert.deepEqual(await snapshot(out), { 'model.json': 'old', [path.join('sub', 'stale.bin')]: 'old' });
      await staged.commit();
      assert.deepEqual(await snapshot(out), { 'model.json': 'new' });
      assert.deepEqual((await fs.readdir(root)).sort(), ['model', 'out'], 'no staging or moved-aside folder left');
    });

    it('with force restores the old folder when the new one cannot be moved into place', async () => {
      const out = path.join(root, 'out');
      await fs.mkdir(out);
      await fs.writeFile(path.join(out, 'model.json'), 'old');
      await markAsOurs(out, ['model.json']);
      const staged = await prepareOutput(out, { inputModelDir: modelDir, force: true });
      await fs.rm(staged.stagingDir, { recursive: true }); // the second rename of the commit now fails
      await assert.rejects(staged.commit(), { code: 'ENOENT' });
      assert.deepEqual(await snapshot(out), { 'model.json': 'old' });
      assert.deepEqual((await fs.readdir(root)).sort(), ['model', 'out'], 'no moved-aside folder left');
      await staged.abort();
    });

    it('commits once only; abort after commit changes nothing', async () => {
      const out = path.join(root, 'out');
      const staged = await prepareOutput(out, { inputModelDir: modelDir });
      await fs.writeFile(path.join(staged.stagingDir, 'a.txt'), 'a');
      await staged.commit();
      await assert.rejects(staged.commit(), /already committed/);
      await staged.abort();
      assert.deepEqual(await snapshot(out), { 'a.txt': 'a' });
    });

    it('refuses to commit over a folder filled meanwhile without force, keeping both', async () => {
      const out = path.join(root, 'out');
      const staged = await prepareOutput(out, { inputModelDir: modelDir });
      await fs.writeFile(path.join(staged.stagingDir, 'a.txt'), 'new');
      await fs.mkdir(out);
      await fs.writeFile(path.join(out, 'other.txt'), 'someone else');
      await rejectsWithInputError(staged.commit(), 'created by something else');
      assert.deepEqual(await snapshot(out), { 'other.txt': 'someone else' });
      await staged.abort();
      assert.deepEqual((await fs.readdir(root)).sort(), ['model', 'out']);
    });
  });

  describe('--force replaces only what this tool wrote', () => {
    it('refuses a folder without the marker, or with files the marker does not list, at prepare and again at commit', async () => {
      const out = path.join(root, 'out');
      await fs.mkdir(out);
      await fs.writeFile(path.join(out, 'model.json'), 'theirs');
      await rejectsWithInputError(prepareOutput(out, { inputModelDir: modelDir, force: true }), 'was not written by Backdoor Cleanse');
      await markAsOurs(out, ['model.json']);
      const staged = await prepareOutput(out, { inputModelDir: modelDir, force: true });
      await fs.writeFile(path.join(staged.stagingDir, 'model.json'), 'new');
      await fs.writeFile(path.join(out, 'added-meanwhile.txt'), 'mine');
      await rejectsWithInputError(staged.commit(), 'did not write (added-meanwhile.txt)');
      await staged.abort();
      assert.deepEqual(await snapshot(out), { 'model.json': 'theirs', 'added-meanwhile.txt': 'mine' });
    });
  });

  describe('outputs of versions before the marker', () => {
    it('are recognized by their report.json (tool backdoor-cleanse) and model.json, and only with nothing else in them', async () => {
      const out = path.join(root, 'old');
      await fs.mkdir(out);
      await fs.writeFile(path.join(out, 'report.json'), JSON.stringify({ tool: { name: 'backdoor-cleanse', version: '0.1.0' } }));
      await fs.writeFile(path.join(out, 'model.json'), JSON.stringify({ weightsManifest: [{ paths: ['group1-shard1of1.bin'], weights: [] }] }));
      await fs.writeFile(path.join(out, 'group1-shard1of1.bin'), 'w');
      await fs.writeFile(path.join(out, 'notes.txt'), 'mine');
      await rejectsWithInputError(prepareOutput(out, { inputModelDir: modelDir, force: true }), 'did not write (notes.txt)');
      await fs.rm(path.join(out, 'notes.txt'));
      const staged = await prepareOutput(out, { inputModelDir: modelDir, force: true });
      await fs.writeFile(path.join(staged.stagingDir, 'model.json'), 'new');
      await staged.commit();
      assert.deepEqual(await snapshot(out), { 'model.json': 'new' });

      const other = path.join(root, 'other-tool');
      await fs.mkdir(other);
      await fs.writeFile(path.join(other, 'report.json'), JSON.stringify({ tool: { name: 'something-else' } }));
      await rejectsWithInputError(prepareOutput(other, { inputModelDir: modelDir, force: true }), 'was not written by Backdoor Cleanse');
    });
  });

  describe('abort and crashes', () => {
    it('abort removes the parent folders prepareOutput created, not the ones that existed', async () => {
      const staged = await prepareOutput(path.join(root, 'a', 'b', 'out'), { inputModelDir: modelDir });
      assert.ok(await exists(path.join(root, 'a', 'b')));
      await staged.abort();
      assert.deepEqual(await fs.readdir(root), ['model']);
    });


    it('abort removes the staging folder and leaves nothing at --out', async () => {
      const out = path.join(root, 'out');
      const staged = await prepareOutput(out, { inputModelDir: modelDir });
      await fs.writeFile(path.join(staged.stagingDir, 'half.bin'), 'partial');
      await staged.abort();
      await staged.abort();
      assert.deepEqual(await fs.readdir(root), ['model']);
      await assert.rejects(staged.commit(), /already aborted/);
    });

    it('abort with force leaves the old folder exactly as it was', async () => {
      const out = path.join(root, 'out');
      await fs.mkdir(out);
      await fs.writeFile(path.join(out, 'model.json'), 'old');
      await markAsOurs(out, ['model.json']);
      const staged = await prepareOutput(out, { inputModelDir: modelDir, force: true });
      await fs.writeFile(path.join(staged.stagingDir, 'model.json'), 'new');
      await staged.abort();
      assert.deepEqual(await snapshot(out), { 'model.json': 'old' });
      assert.deepEqual((await fs.readdir(root)).sort(), ['model', 'out']);
    });

    it('a process that dies before commit leaves --out untouched; the next run removes its staging folder', async () => {
      const out = path.join(root, 'out');
      await fs.mkdir(out);
      await fs.writeFile(path.join(out, 'model.json'), 'old');
      await markAsOurs(out, ['model.json']);
      const outputDirModule = compiled('src/engine/run/outputDir.ts');
      const script = `
        const { prepareOutput } = require(${JSON.stringify(outputDirModule)});
        const fs = require('node:fs');
        prepareOutput(${JSON.stringify(out)}, { inputModelDir: ${JSON.stringify(modelDir)}, force: true }).then((staged) => {
          fs.writeFileSync(staged.stagingDir + '/model.json', 'half-written');
          process.kill(process.pid, 'SIGKILL');
        });`;
      const child = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
      assert.equal(child.signal, 'SIGKILL', child.stderr);
      assert.deepEqual(await snapshot(out), { 'model.json': 'old' });
      const leftovers = (await fs.readdir(root)).filter((n) => n.startsWith('.out.tmp-'));
      assert.equal(leftovers.length, 1, 'the dead run left its hidden staging folder');

      const staged = await prepareOutput(out, { inputModelDir: modelDir, force: true });
      assert.deepEqual((await fs.readdir(root)).sort(), [path.basename(staged.stagingDir), 'model', 'out'].sort(), 'only the new staging folder');
      await staged.abort();
    });

    it("does not remove another live process's staging folder", async () => {
      const out = path.join(root, 'out');
      // The parent of this test process is alive for the whole test.
      const live = path.join(root, `.out.tmp-${process.ppid}-abcd1234`);
      await fs.mkdir(live);
      const staged = await prepareOutput(out, { inputModelDir: modelDir });
      assert.ok(await exists(live));
      await staged.abort();
    });
  });

  describe('writeFileAtomic', () => {
    it('writes and replaces a file, leaving no temporary file', async () => {
      const file = path.join(root, 'report.json');
      await writeFileAtomic(file, 'first');
      await writeFileAtomic(file, new Uint8Array([104, 105]));
      assert.equal(await fs.readFile(file, 'utf8'), 'hi');
      assert.deepEqual((await fs.readdir(root)).sort(), ['model', 'report.json']);
    });

    it('fails without leaving anything when the folder is missing', async () => {
      await assert.rejects(writeFileAtomic(path.join(root, 'missing', 'x.json'), 'x'), { code: 'ENOENT' });
      assert.deepEqual(await fs.readdir(root), ['model']);
    });

    it('leaves no temporary file when the final rename fails', async () => {
      // A non-empty folder at the destination makes the rename fail after the data was written.
      const blocked = path.join(root, 'dir-target');
      await fs.mkdir(blocked);
      await fs.writeFile(path.join(blocked, 'x'), 'x');
      await assert.rejects(writeFileAtomic(blocked, 'new'));
      assert.deepEqual((await fs.readdir(root)).sort(), ['dir-target', 'model']);
      assert.deepEqual(await snapshot(blocked), { x: 'x' });
    });
  });
});
