#!/bin/sh
# Runs a web test script with node; 77 (ctest skip) with a message when node or the bundle the
# test_web_build fixture makes is missing (no node/npm, or the npm registry was unreachable).
script=$1
shift
if ! command -v node >/dev/null 2>&1; then
    echo "SKIP: node is not installed (scripts/deps.sh installs it)" >&2
    exit 77
fi
for a in "$@"; do
    case $a in
    *.mjs) [ -f "$a" ] || { echo "SKIP: $a was not built (test_web_build: npm install failed or npm missing)" >&2; exit 77; } ;;
    esac
done
exec node "$script" "$@"
