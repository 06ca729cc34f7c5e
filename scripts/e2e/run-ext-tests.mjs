// Run an extension's mocha tests inside code-server's REAL (remote, Node) extension host.
// Same mechanism as VS Code's own test/integration/browser runner: the workbench URL
// carries a `payload` with extensionDevelopmentPath + extensionTestsPath (vscode-remote://
// URIs); when the tests finish, the workbench calls window.codeAutomationExit(code).
// A browser is required: the server only spawns an extension host for a connected client.
//
//   node run-ext-tests.mjs BASE_URL EXT_DEV_PATH EXT_TESTS_PATH [WORKSPACE_DIR] [SCREENSHOT.png]
// Exit code = the tests' exit code (0 = all passed). The closing line is
// "<SUITE_LABEL>: N passed, N failed[, N skipped]" (label "integration" unless SUITE_LABEL says otherwise).
// (From shared/vscode-e2e, with the label and a screenshot on failure.)
import { createRequire } from 'module';
import fs from 'fs';
import os from 'os';
import path from 'path';
const require = createRequire(process.cwd() + '/');
const { chromium } = require('playwright-core');

const [base = 'http://127.0.0.1:8080/', devPath, testsPath, workspace, shot] = process.argv.slice(2);
if (!devPath || !testsPath) { console.error('usage: BASE_URL EXT_DEV_PATH EXT_TESTS_PATH [WORKSPACE] [SCREENSHOT]'); process.exit(2); }
const T0 = Date.now();
const host = new URL(base).host;                 // remote authority = host:port of code-server
const remote = (p) => `vscode-remote://${host}${path.resolve(p)}`;
const payload = JSON.stringify([
  ['extensionDevelopmentPath', remote(devPath)],
  ['extensionTestsPath', remote(testsPath)],
  ['skipWelcome', 'true'],
]);
const url = new URL(base);
if (workspace) url.searchParams.set('folder', path.resolve(workspace));
url.searchParams.set('payload', payload);

const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'ext-tests-chromium-'));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: '/usr/bin/chromium', headless: true, viewport: { width: 1280, height: 800 },
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const page = context.pages()[0] || await context.newPage();

const done = new Promise((resolve) => {
  page.exposeFunction('codeAutomationExit', (code) => resolve(code));
});
await page.exposeFunction('codeAutomationLog', (type, args) => console.log(...args));
// Extension-host console output (mocha's reporter) is forwarded to the page console.
let summary = null; // the "N passed, N failed" line printed by the test entry point
page.on('console', (msg) => {
  const text = msg.text();
  const m = text.match(/(\d+) passed, (\d+) failed(?:, (\d+) skipped)?/);
  if (m) summary = { passed: +m[1], failed: +m[2], skipped: +(m[3] || 0) };
  if (msg.type() === 'debug') return;
  if (text.includes('[Extension Host]') || process.env.VERBOSE) {
    console.log(text.replace(/%c/g, '').replace(/\s*color: [^ ]+;?\s*/g, ' ').replace(/^\s*\[Extension Host\]\s?/, ''));
  }
});

const timeoutMs = Number(process.env.EXT_TESTS_TIMEOUT_MS || 180000);
await page.goto(url.toString(), { waitUntil: 'domcontentloaded' });
const code = await Promise.race([done, new Promise((r) => setTimeout(() => r('timeout'), timeoutMs))]);
if (shot) await page.screenshot({ path: shot }).catch(() => {});
await context.close();
fs.rmSync(profile, { recursive: true, force: true });
console.log(`extension tests finished: exit code ${code} after ${((Date.now() - T0) / 1000).toFixed(1)} s`);
// closing line for CI: the mocha counts, or one failure when the run never reported
const s = summary && !(code !== 0 && summary.failed === 0) ? summary : { passed: summary ? summary.passed : 0, failed: Math.max(1, summary ? summary.failed : 1) };
console.log(`${process.env.SUITE_LABEL || 'integration'}: ${s.passed} passed, ${s.failed} failed${s.skipped ? `, ${s.skipped} skipped` : ''}`);
process.exit(code === 0 ? 0 : 1);
