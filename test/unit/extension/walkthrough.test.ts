/**
 * The "Get started" walkthrough in package.json: each step's media file exists, each command link
 * and completion event names a contributed command, and the first step makes the demo.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { REPO_ROOT } from '../../fixtures/repoPaths';

const ROOT = REPO_ROOT;
const manifest = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));

describe('walkthrough (package.json)', () => {
  const commands = new Set<string>(manifest.contributes.commands.map((c: { command: string }) => c.command));
  const walkthrough = manifest.contributes.walkthroughs.find((w: { id: string }) => w.id === 'backdoorCleanse.firstRun');

  it('starts with the demo and links only contributed commands', () => {
    assert.ok(walkthrough, 'the backdoorCleanse.firstRun walkthrough is contributed');
    assert.match(walkthrough.steps[0].description, /\(command:backdoorCleanse\.tryDemo\)/);
    for (const step of walkthrough.steps) {
      const linked = [...step.description.matchAll(/\(command:([\w.]+)\)/g)].map((m: RegExpMatchArray) => m[1]);
      const events = (step.completionEvents ?? []).map((e: string) => e.replace(/^onCommand:/, ''));
      assert.ok(linked.length > 0, `${step.id} links a command`);
      for (const id of [...linked, ...events]) assert.ok(commands.has(id), `${step.id}: ${id} is not a contributed command`);
    }
  });

  it('has a media file for every step', () => {
    for (const step of walkthrough.steps) {
      const file = step.media.markdown ?? step.media.image;
      assert.ok(fs.existsSync(path.join(ROOT, file)), `${step.id}: ${file} is missing`);
    }
  });
});
