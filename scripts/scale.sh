#!/usr/bin/env bash
# The multi-host scenarios (docs/scale.md): network namespaces, impaired links, 20 storage nodes,
# devices on every host; prints figures and writes them to $BUILD/scale.json. Root only; takes
# about 25 minutes with the defaults (10 minutes of churn). Options go to tests/net/scale.py
# (--help), e.g.  scripts/scale.sh build --nodes 50   or   scripts/scale.sh build --churn-minutes 3
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build}
shift || true
[ -x "$BUILD/dnasync" ] || { echo "scale: build first (make build)" >&2; exit 1; }
exec nice -n 10 python3 tests/net/scale.py --json-out "$BUILD/scale.json" "$@" "$BUILD/dnasync"
