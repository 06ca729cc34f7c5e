#!/usr/bin/env bash
# Start code-server on 127.0.0.1:PORT with scratch dirs and wait until it answers.
# (From shared/vscode-e2e; waits with node instead of curl+bc, which a fresh machine may lack.)
#   bash start-code-server.sh CODE_SERVER_BIN RUN_DIR PORT [WORKSPACE_DIR]
# Writes RUN_DIR/code-server.pid and RUN_DIR/code-server.log.
set -euo pipefail
CS=${1:?code-server bin}; RUN=${2:?run dir}; PORT=${3:-8080}; WS=${4:-$RUN/ws}
mkdir -p "$RUN/ud" "$RUN/ext" "$WS"
# Settings that keep the workbench quiet and offline.
mkdir -p "$RUN/ud/User"
cat > "$RUN/ud/User/settings.json" <<'JSON'
{
  "workbench.startupEditor": "none",
  "workbench.tips.enabled": false,
  "telemetry.telemetryLevel": "off",
  "update.mode": "none",
  "extensions.autoCheckUpdates": false,
  "extensions.autoUpdate": false,
  "extensions.ignoreRecommendations": true,
  "security.workspace.trust.enabled": false,
  "git.enabled": false,
  "typescript.disableAutomaticTypeAcquisition": true,
  "npm.fetchOnlinePackageInfo": false,
  "workbench.enableExperiments": false,
  "chat.commandCenter.enabled": false,
  "window.commandCenter": false
}
JSON
t0=$(date +%s%N)
# An empty gallery turns the marketplace off (default is open-vsx.org: DNS failures in the logs).
EXTENSIONS_GALLERY=${EXTENSIONS_GALLERY:-'{}'} \
"$CS" --config "$RUN/config.yaml" --bind-addr "127.0.0.1:$PORT" --auth none \
  --user-data-dir "$RUN/ud" --extensions-dir "$RUN/ext" \
  --disable-telemetry --disable-update-check --disable-workspace-trust \
  --disable-getting-started-override --ignore-last-opened \
  "$WS" > "$RUN/code-server.log" 2>&1 &
echo $! > "$RUN/code-server.pid"
for i in $(seq 1 300); do
  if node -e "fetch('http://127.0.0.1:$PORT/healthz').then(r => process.exit(r.ok ? 0 : 1), () => process.exit(1))"; then
    echo "code-server up on 127.0.0.1:$PORT (pid $(cat "$RUN/code-server.pid")) after $(( ($(date +%s%N) - t0) / 1000000 )) ms"
    exit 0
  fi
  kill -0 "$(cat "$RUN/code-server.pid")" 2>/dev/null || { echo "code-server died"; cat "$RUN/code-server.log"; exit 1; }
  sleep 0.2
done
echo "code-server did not come up"; cat "$RUN/code-server.log"; exit 1
