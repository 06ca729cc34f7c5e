#!/usr/bin/env node
// The `bcu` command line: a thin launcher for the bundled CLI (`npm run build` makes dist/cli.js).
const path = require('path');
const fs = require('fs');
const bundle = path.join(__dirname, '..', 'dist', 'cli.js');
if (!fs.existsSync(bundle)) {
  process.stderr.write('bcu: dist/cli.js is missing; run `npm run build` first\n');
  process.exit(1);
}
require(bundle)
  .main(process.argv.slice(2))
  .then(
    (code) => process.exit(code),
    (err) => {
      process.stderr.write(`bcu: ${err && err.stack ? err.stack : err}\n`);
      process.exit(1);
    },
  );
