/**
 * Entry point of the integration tests: VS Code's extension host (code-server's, started by
 * scripts/e2e/run-ext-tests.mjs) calls run(); mocha runs every *.test.js beside this file inside
 * the real host. The closing "N passed, N failed" line is what the runner reads.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

// mocha 12 is ESM-only: require() of it gives a namespace object with .default.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const mochaModule = require('mocha');
const Mocha: typeof import('mocha') = mochaModule.default ?? mochaModule;

export function run(): Promise<void> {
  const grep = process.env.INTEGRATION_GREP;
  const mocha = new Mocha({ ui: 'bdd', color: false, timeout: 120000, reporter: 'spec', ...(grep ? { grep } : {}) });
  for (const file of fs.readdirSync(__dirname).sort()) {
    if (file.endsWith('.test.js')) mocha.addFile(path.join(__dirname, file));
  }
  return new Promise((resolve, reject) => {
    const runner = mocha.run((failures) => {
      const skipped = runner.stats?.pending ? `, ${runner.stats.pending} skipped` : '';
      console.log(`${runner.stats?.passes ?? 0} passed, ${runner.stats?.failures ?? failures} failed${skipped}`);
      if (failures > 0) reject(new Error(`${failures} integration tests failed`));
      else resolve();
    });
  });
}
