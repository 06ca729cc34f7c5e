#!/usr/bin/env bash
# What the tests need beyond `npm ci`, installed only when missing (so a second run costs nothing):
#   - Debian packages: chromium (the browser that drives VS Code), ripgrep (VS Code's search),
#     libkrb5-dev, build-essential, pkg-config, python3 (code-server's native modules compile with
#     them), dataset-fashion-mnist (real data for the data-loader and end-to-end tests),
#     python3-torch python3-torchvision python3-onnx (the ONNX tests export torchvision models with
#     torch.onnx.export) and libonnx-testdata (ONNX's own node test cases, for the conformance test);
#   - code-server 4.100.3 (VS Code 1.100.3), installed offline into a cache folder by
#     scripts/e2e/install-code-server.sh.
set -uo pipefail
cd "$(dirname "$0")/.."
log() { printf '[deps] %s\n' "$*"; }

missing=()
for pkg in chromium ripgrep libkrb5-dev build-essential pkg-config python3 dataset-fashion-mnist python3-torch python3-torchvision python3-onnx libonnx-testdata; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done
if ((${#missing[@]})); then
  if [ "$(id -u)" != 0 ]; then log "missing Debian packages: ${missing[*]}; install them as root (apt-get install ${missing[*]})"; exit 1; fi
  log "installing ${missing[*]}"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null || { log "apt-get failed"; exit 1; }
fi

CS_VERSION=4.100.3
CS_HOME=${CS_HOME:-$HOME/.cache/backdoor-cleanse/code-server-$CS_VERSION}
if [ ! -f "$CS_HOME/.ok" ]; then
  log "installing code-server $CS_VERSION into $CS_HOME (about 1.5 min)"
  rm -rf "$CS_HOME"
  mkdir -p "$(dirname "$CS_HOME")"
  CODE_SERVER_VERSION=$CS_VERSION bash scripts/e2e/install-code-server.sh "$CS_HOME" >"$CS_HOME.install.log" 2>&1 \
    || { tail -30 "$CS_HOME.install.log"; log "code-server install failed (log: $CS_HOME.install.log)"; exit 1; }
  touch "$CS_HOME/.ok"
fi
