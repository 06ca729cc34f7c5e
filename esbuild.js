// Four bundles: extension (VS Code host), worker (child process), cli (`bcu`), webview (browser).
// tfjs packages stay external in the Node bundles: tfjs-node is native and the WASM backend
// loads its .wasm binaries from its own package folder at run time.
const esbuild = require('esbuild');

const watch = process.argv.includes('--watch');
const production = process.argv.includes('--production');
const nodeExternals = ['vscode', '@tensorflow/*', 'pngjs', 'jpeg-js'];

const common = {
  bundle: true,
  sourcemap: !production,
  minify: production,
  logLevel: 'warning',
};

const builds = [
  { ...common, entryPoints: ['src/extension/extension.ts'], outfile: 'dist/extension.js', platform: 'node', format: 'cjs', target: 'node20', external: nodeExternals },
  { ...common, entryPoints: ['src/worker/worker.ts'], outfile: 'dist/worker.js', platform: 'node', format: 'cjs', target: 'node20', external: nodeExternals },
  { ...common, entryPoints: ['src/cli/main.ts'], outfile: 'dist/cli.js', platform: 'node', format: 'cjs', target: 'node20', external: nodeExternals },
  { ...common, entryPoints: ['src/webview/main.ts'], outfile: 'dist/webview.js', platform: 'browser', format: 'iife', target: 'es2022' },
];

async function main() {
  const { existsSync } = require('fs');
  const present = builds.filter((b) => existsSync(b.entryPoints[0]));
  if (watch) {
    for (const b of present) (await esbuild.context(b)).watch();
    console.log('esbuild: watching', present.map((b) => b.outfile).join(', '));
    return;
  }
  await Promise.all(present.map((b) => esbuild.build(b)));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
