#!/usr/bin/env bash
# Builds the web device (docs/web.md): installs web/package.json's npm packages into
# <build>/web-npm (the npm registry is needed once) and bundles the page into <build>/web.
# Exit 77 (and a message) when node or npm is missing; 1 when the install or bundling fails.
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
build=${1:?usage: web-build.sh BUILD_DIR}
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    echo "dnasync: node and npm are needed to build the web device (scripts/deps.sh installs them)" >&2
    exit 77
fi
mkdir -p "$build/web-npm"
if ! cmp -s "$src/web/package.json" "$build/web-npm/package.json" || [ ! -d "$build/web-npm/node_modules/esbuild" ]; then
    cp "$src/web/package.json" "$build/web-npm/package.json"
    (cd "$build/web-npm" && npm install --no-audit --no-fund --loglevel=error >/dev/null)
fi
node "$src/web/build.mjs" "$build/web-npm/node_modules" "$build/web"
