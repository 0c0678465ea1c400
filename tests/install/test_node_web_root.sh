#!/bin/sh
# test_node_web_root: an installed `dnasync node --gateway-port` serves the web device installed
# beside it (<prefix>/share/dnasync/web), not the build dir's copy nor a path fixed at configure
# time; $DNASYNC_WEB_ROOT and then --web-root DIR override it (docs/web.md).
#   test_node_web_root.sh BUILD_DIR
set -eu
build=$1
tmp=$(mktemp -d "${TMPDIR:-/tmp}/dnasync-webroot.XXXXXX")
pid=
stop() {
    if [ -n "$pid" ]; then
        kill "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    fi
    pid=
}
trap 'stop; rm -rf "$tmp"' EXIT
fail() {
    echo "test_node_web_root: FAIL: $*" >&2
    exit 1
}
prefix=$tmp/prefix
cmake --install "$build" --prefix "$prefix" >"$tmp/install.log" ||
    fail "cmake --install failed: $(cat "$tmp/install.log")"
for d in "$prefix/share/dnasync/web" "$tmp/env" "$tmp/opt"; do
    mkdir -p "$d"
    printf '<!doctype html><title>%s</title>\n' "marker:$d" >"$d/index.html"
done

# Starts the installed node with "$@" after `node` and $DNASYNC_WEB_ROOT=$WEB_ENV when set;
# sets $pid and $port (bounded: 30 s).
start() {
    log=$tmp/node.$$.$(date +%s%N).log
    : >"$log" # made here: the background job's own redirect may come after the first read
    env -u DNASYNC_WEB_ROOT ${WEB_ENV:+DNASYNC_WEB_ROOT="$WEB_ENV"} "$prefix/bin/dnasync" node \
        --bind 127.0.0.1 --port 0 --gateway-port 0 "$@" >"$log" 2>&1 &
    pid=$!
    port=
    i=0
    while [ $i -lt 300 ] && [ -z "$port" ]; do
        port=$(sed -n 's|^dnasync node: gateway on http://127.0.0.1:\([0-9]*\)/$|\1|p' "$log")
        [ -n "$port" ] || sleep 0.1
        i=$((i + 1))
    done
    [ -n "$port" ] || fail "the node did not start: $(cat "$log")"
}
# GET / must be the index.html of dir $1.
serves() {
    page=$(curl -s --max-time 20 "http://127.0.0.1:$port/") || fail "GET / failed"
    case $page in
    *"marker:$1"*) echo "-- serves $1" ;;
    *) fail "GET / served '$page', not $1/index.html" ;;
    esac
}

WEB_ENV=
start
serves "$prefix/share/dnasync/web"
stop
WEB_ENV=$tmp/env
start
serves "$tmp/env"
stop
start --web-root "$tmp/opt"
serves "$tmp/opt"
stop
echo "test_node_web_root: ok"
