#!/usr/bin/env node
// The `bcu` command line: a thin launcher for the bundled CLI (npm run build makes dist/cli.js).
require('../dist/cli.js');
