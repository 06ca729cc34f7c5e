/**
 * The boundaries of the house (README, Architecture): which room may import which. A violation
 * names the file and the import, so a reader sees at once what crossed a wall.
 */
import * as assert from 'assert';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { REPO_ROOT } from '../fixtures/repoPaths';

function sourceFiles(room: string): string[] {
  const root = path.join(REPO_ROOT, 'src', room);
  const walk = (dir: string): string[] =>
    readdirSync(dir).flatMap((name) => {
      const full = path.join(dir, name);
      return statSync(full).isDirectory() ? walk(full) : name.endsWith('.ts') ? [full] : [];
    });
  return walk(root);
}

/** Every module a file imports, resolved to a repo-relative path for relative specifiers. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specs = [...text.matchAll(/(?:from|import|require)\s*\(?\s*['"]([^'"]+)['"]/g)].map((m) => m[1]);
  return specs.map((s) => (s.startsWith('.') ? path.relative(REPO_ROOT, path.resolve(path.dirname(file), s)) : s));
}

function violations(room: string, forbidden: (spec: string) => boolean): string[] {
  return sourceFiles(room).flatMap((file) => importsOf(file).filter(forbidden).map((spec) => `${path.relative(REPO_ROOT, file)} imports ${spec}`));
}

describe('house rules: which room may import which', () => {
  it('src/extension speaks only the protocol: nothing from src/engine, src/worker or src/cli', () => {
    assert.deepEqual(violations('extension', (s) => /^src\/(engine|worker|cli)(\/|$)/.test(s)), []);
  });

  it('src/shared holds contracts only: it imports nothing outside src/shared', () => {
    assert.deepEqual(violations('shared', (s) => s.startsWith('src/') && !s.startsWith('src/shared')), []);
  });

  it('src/engine is pure TypeScript on tfjs: no vscode, and nothing from the host, worker, CLI or panel', () => {
    assert.deepEqual(violations('engine', (s) => s === 'vscode' || /^src\/(extension|worker|cli|webview)(\/|$)/.test(s)), []);
  });

  it('src/webview runs in the browser: only src/shared, src/webview and its UI packages', () => {
    assert.deepEqual(violations('webview', (s) => s.startsWith('node:') || s === 'vscode' || /^src\/(engine|worker|cli|extension)(\/|$)/.test(s)), []);
  });

  it('src/worker is a thin adapter: it reaches the engine only through its job entry', () => {
    const engineImports = sourceFiles('worker').flatMap(importsOf).filter((s) => s.startsWith('src/engine'));
    assert.deepEqual([...new Set(engineImports)], ['src/engine/run/jobs']);
  });
});
