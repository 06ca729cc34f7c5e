#!/usr/bin/env bash
# The README's test command (npm test): installs what the tests need when it is missing, builds,
# runs the unit tests (mocha, no VS Code), the slow data-dependent tests (test/slow), then the integration and UI tests in a real VS Code
# (scripts/test-vscode.sh), and prints one aggregated "N passed, N failed" line last.
set -uo pipefail
cd "$(dirname "$0")/.."
log() { printf '[test] %s\n' "$*"; }

bash scripts/install-test-deps.sh || { log "installing the test dependencies failed"; echo "0 passed, 1 failed"; exit 1; }

npm run build --silent || { log "npm run build failed"; echo "0 passed, 1 failed"; exit 1; }
npm run build:tests --silent || { log "npm run build:tests failed (type errors above)"; echo "0 passed, 1 failed"; exit 1; }
npm run typecheck --silent || { log "npm run typecheck failed (type errors above, the webview included)"; echo "0 passed, 1 failed"; exit 1; }

RESULTS=$(mktemp -d)
trap 'rm -rf "$RESULTS"' EXIT

log "unit tests"
npx mocha --config .mocharc.json 2>&1 | tee "$RESULTS/unit.log"
unit_rc=${PIPESTATUS[0]}
unit_passed=$(grep -Eo '^ *[0-9]+ passing' "$RESULTS/unit.log" | tail -1 | grep -Eo '[0-9]+' || echo 0)
unit_failed=$(grep -Eo '^ *[0-9]+ failing' "$RESULTS/unit.log" | tail -1 | grep -Eo '[0-9]+' || echo 0)
unit_skipped=$(grep -Eo '^ *[0-9]+ pending' "$RESULTS/unit.log" | tail -1 | grep -Eo '[0-9]+' || echo 0)
if [ "$unit_rc" != 0 ] && [ "$unit_failed" = 0 ]; then unit_failed=1; fi
echo "unit: $unit_passed passed, $unit_failed failed, $unit_skipped skipped"

log "slow tests: the defense benchmark's smoke profile and the synthetic end-to-end cleanse (minutes)"
npx mocha --config .mocharc.slow.json 2>&1 | tee "$RESULTS/slow.log"
slow_rc=${PIPESTATUS[0]}
slow_passed=$(grep -Eo '^ *[0-9]+ passing' "$RESULTS/slow.log" | tail -1 | grep -Eo '[0-9]+' || echo 0)
slow_failed=$(grep -Eo '^ *[0-9]+ failing' "$RESULTS/slow.log" | tail -1 | grep -Eo '[0-9]+' || echo 0)
if [ "$slow_rc" != 0 ] && [ "$slow_failed" = 0 ]; then slow_failed=1; fi
echo "slow: $slow_passed passed, $slow_failed failed"

log "integration and UI tests in code-server"
SKIP_BUILD=1 bash scripts/test-vscode.sh 2>&1 | tee "$RESULTS/vscode.log"
vscode_rc=${PIPESTATUS[0]}

passed=$((unit_passed + slow_passed))
failed=$((unit_failed + slow_failed))
for suite in integration e2e; do
  line=$(grep -E "^$suite: [0-9]+ passed, [0-9]+ failed" "$RESULTS/vscode.log" | tail -1)
  if [ -z "$line" ]; then
    log "$suite: no result line"
    failed=$((failed + 1))
    continue
  fi
  passed=$((passed + $(sed -E 's/^[a-z0-9]+: ([0-9]+) passed.*/\1/' <<<"$line")))
  failed=$((failed + $(sed -E 's/.* ([0-9]+) failed.*/\1/' <<<"$line")))
done
if [ "$vscode_rc" != 0 ] && [ "$failed" = 0 ]; then failed=1; fi

echo
echo "unit: $unit_passed passed, $unit_failed failed, $unit_skipped skipped"
echo "slow: $slow_passed passed, $slow_failed failed"
grep -E '^(integration|e2e): [0-9]+ passed' "$RESULTS/vscode.log" | tail -2
echo "$passed passed, $failed failed, $unit_skipped skipped"
[ "$failed" = 0 ]
