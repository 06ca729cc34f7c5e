#!/usr/bin/env bash
# Tests the extension in a REAL VS Code, offline: code-server 4.100.3 (VS Code 1.100.3) driven by
# headless Debian Chromium (playwright-core). Runs the integration tests inside code-server's
# extension host, then the panel's UI test (test/e2e/panel.e2e.mjs) when it exists.
#
#   bash scripts/test-vscode.sh            (npm run test:vscode)
#
# Environment: SKIP_BUILD=1 (use the existing dist/ and out/), INTEGRATION_GREP=<pattern> (a subset
# of the integration tests), SKIP_E2E=1 (no UI test), KEEP_RUN=1 (keep the scratch run folder),
# CS_HOME (code-server cache).
# Prints "integration: N passed, N failed" and "e2e: N passed, N failed"; exits non-zero on any failure.
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
CS_VERSION=4.100.3
CS_HOME=${CS_HOME:-$HOME/.cache/backdoor-cleanse/code-server-$CS_VERSION}
SHOTS=$ROOT/test-results/screenshots
export EXT_TESTS_TIMEOUT_MS=${EXT_TESTS_TIMEOUT_MS:-420000}
log() { printf '[test-vscode] %s\n' "$*"; }

# 1-2. Debian packages (chromium, ripgrep, build tools) and code-server 4.100.3 in a cache
#      folder, installed only when missing.
bash scripts/install-test-deps.sh || { log "installing the test dependencies failed"; exit 1; }
CS_BIN=$CS_HOME/node_modules/.bin/code-server
[ -x "$CS_BIN" ] || { log "no code-server at $CS_BIN; delete $CS_HOME and rerun"; exit 1; }

# 3. Build the bundles (dist/) and the compiled tests (out/).
if [ "${SKIP_BUILD:-}" != 1 ]; then
  npm run build --silent || { log "npm run build failed"; exit 1; }
  npm run build:tests --silent || { log "npm run build:tests failed"; exit 1; }
fi
[ -f dist/extension.js ] && [ -f out/test/integration/index.js ] || { log "dist/extension.js or out/test/integration/index.js missing"; exit 1; }

# 4. A scratch code-server on a free loopback port; the extension is also linked into its
#    extensions folder so the panel's UI test finds it in a normal window.
RUN=$(mktemp -d "${TMPDIR:-/tmp}/bc-vscode-XXXXXX")
mkdir -p "$RUN/ext" "$RUN/ws" "$RUN/e2e-ws" "$SHOTS"
VERSION=$(node -p "require('./package.json').version")
ln -s "$ROOT" "$RUN/ext/backdoor-cleanse.backdoor-cleanse-$VERSION"
PORT=$(node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")
cleanup() {
  bash scripts/e2e/stop-code-server.sh "$RUN"
  if [ "${KEEP_RUN:-}" = 1 ]; then log "run folder kept: $RUN"; else rm -rf "$RUN"; fi
}
trap cleanup EXIT
bash scripts/e2e/start-code-server.sh "$CS_BIN" "$RUN" "$PORT" "$RUN/ws" || { log "code-server did not start"; exit 1; }

# 5. Integration tests in the real extension host.
INTEGRATION_LINE=
SUITE_LABEL=integration node scripts/e2e/run-ext-tests.mjs "http://127.0.0.1:$PORT/" "$ROOT" "$ROOT/out/test/integration/index.js" "$RUN/ws" "$SHOTS/integration.png" 2>&1 | tee "$RUN/integration.log"
INTEGRATION_LINE=$(grep -E '^integration: [0-9]+ passed, [0-9]+ failed' "$RUN/integration.log" | tail -1)
[ -n "$INTEGRATION_LINE" ] || INTEGRATION_LINE="integration: 0 passed, 1 failed (no report from the runner)"

# 6. The panel's UI test, when it exists (it prints its own "e2e: N passed, N failed" line).
E2E_LINE=
if [ "${SKIP_E2E:-}" = 1 ]; then
  log "SKIP_E2E=1: no UI test"
elif [ -f test/e2e/panel.e2e.mjs ]; then
  node test/e2e/panel.e2e.mjs "http://127.0.0.1:$PORT/?folder=$RUN/e2e-ws" "$SHOTS" 2>&1 | tee "$RUN/e2e.log"
  E2E_LINE=$(grep -E '^e2e: [0-9]+ passed, [0-9]+ failed' "$RUN/e2e.log" | tail -1)
  [ -n "$E2E_LINE" ] || E2E_LINE="e2e: 0 passed, 1 failed (no report from test/e2e/panel.e2e.mjs)"
else
  log "test/e2e/panel.e2e.mjs not found: no UI test"
fi

# 7. The closing lines CI reads.
echo
echo "$INTEGRATION_LINE"
[ -n "$E2E_LINE" ] && echo "$E2E_LINE"
failed=0
for line in "$INTEGRATION_LINE" "$E2E_LINE"; do
  [ -z "$line" ] && continue
  n=$(sed -E 's/.* ([0-9]+) failed.*/\1/' <<<"$line")
  [ "$n" != 0 ] && failed=1
done
exit $failed
