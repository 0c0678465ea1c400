#!/usr/bin/env bash
# The main job: a local DHT of three `dnasync node` processes, Alice's desktop, mobile and web
# devices plus Bob, each a separate home, and the story of the spec told as a timeline.
# Everything it starts it stops by PID.
set -euo pipefail
BIN=${1:-build/dnasync}
BIN=$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")
WORK=$(mktemp -d /tmp/dnasync-demo-XXXXXX)
PIDS=()
cleanup() {
    for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
    rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

t0=$(date +%s%N)
say() { local t; t=$(( ($(date +%s%N) - t0) / 10000000 )); printf '[%4d.%02ds] %s\n' $((t / 100)) $((t % 100)) "$*"; }
step() { printf '\n== %s\n' "$*"; }

# Start a storage node. Runs in this shell (never in $(...)), so its PID reaches PIDS and
# cleanup stops it.
start_node() {
    local name=$1; shift
    "$BIN" node --bind 127.0.0.1 --port 0 "$@" >"$WORK/$name.log" 2>&1 &
    PIDS+=($!)
}
# Wait (bounded) for a node's "listening" line and echo its port.
node_port() {
    local name=$1
    for _ in $(seq 100); do
        if grep -q 'listening on' "$WORK/$name.log"; then
            sed -n 's/.*listening on [^ ]*:\([0-9]*\).*/\1/p' "$WORK/$name.log" | head -1
            return 0
        fi
        sleep 0.1
    done
    echo "node $name did not start:" >&2; cat "$WORK/$name.log" >&2; return 1
}

step "A local DHT: three dnasync storage nodes on loopback"
start_node node1 --gateway-port 0
P1=$(node_port node1)
GW=$(sed -n 's/.*gateway on \(http[^ ]*\).*/\1/p' "$WORK/node1.log" | head -1)
start_node node2 --bootstrap 127.0.0.1:$P1
start_node node3 --bootstrap 127.0.0.1:$P1
P2=$(node_port node2)
P3=$(node_port node3)
say "nodes listening on 127.0.0.1:$P1, :$P2, :$P3; node1 also serves the gateway $GW"
NET=(--bootstrap 127.0.0.1:$P1 --bootstrap 127.0.0.1:$P2)

dev() { local home=$1; shift; "$BIN" --home "$WORK/$home" "${NET[@]}" "$@"; }
texts() { dev "$1" --json inbox | sed -n 's/.*"text":"\([^"]*\)".*/\1/p' | paste -sd '|' -; }

step "Devices"
dev alice-desktop init alice >/dev/null
say "alice-desktop: identity 'alice' created (ML-KEM-512 + Ed25519 from one master secret)"
CODE=$(dev alice-desktop --json link-code --passphrase 'correct horse' | sed -n 's/.*"code":"\([^"]*\)".*/\1/p')
say "alice-desktop: link code ${CODE:0:24}..."
dev alice-mobile join "$CODE" --passphrase 'correct horse' >/dev/null
"$BIN" --home "$WORK/alice-mobile" --gateway "$GW" status >/dev/null
say "alice-mobile: joined as another device of 'alice'; reaches the DHT through the gateway (no node of its own)"
dev alice-web join "$CODE" --passphrase 'correct horse' >/dev/null
say "alice-web: joined as a third device of 'alice'"
dev bob init bob >/dev/null
say "bob: identity 'bob' created"
dev alice-desktop sync >/dev/null; dev bob sync >/dev/null
say "alice and bob published their identity records on the DHT"

step "alice-desktop and bob run device daemons (dnasync daemon): one DHT node each, all session"
# A daemon serves its socket at once and logs "ready: after N ms" once its first pass is done
# and its routing table is warm (docs/rpc.md, "Ready"); wait (bounded) for that.
start_daemon() {
    "$BIN" --home "$WORK/$1" daemon >"$WORK/$1-daemon.log" 2>&1 &
    PIDS+=($!)
    DAEMONS+=($!)
    for _ in $(seq 300); do grep -q 'ready:' "$WORK/$1-daemon.log" && break; sleep 0.1; done
}
ready_ms() { sed -n 's/.*ready: after \([0-9]*\) ms.*/\1/p' "$WORK/$1-daemon.log" | head -1; }
DAEMONS=()
start_daemon alice-desktop
start_daemon bob
say "alice-desktop, bob: daemons ready after $(ready_ms alice-desktop) and $(ready_ms bob) ms (first pass done, routing table warm); their commands below go through <home>/dnasync.sock"

# Run one command of alice's desktop through its daemon and time it: OUT (its stdout), MS (the
# whole dnasync process, measured here) and DMS (the daemon's own time for it, from its log).
timed() {
    local t0 t1
    t0=$(date +%s%N)
    OUT=$(dev alice-desktop "$@")
    t1=$(date +%s%N)
    MS=$(( (t1 - t0) / 1000000 ))
    DMS=$(sed -n "s/.*cli $1: answered in \([0-9]*\) ms.*/\1/p" "$WORK/alice-desktop-daemon.log" | tail -1)
}
took() { echo "in $MS ms (the daemon's part: ${DMS:-?} ms; the rest is the dnasync process around it: start, socket, output)"; }
msg_id() { sed -n 's/.*"message_id":"\([^"]*\)".*/\1/p' <<<"$OUT"; }

step "alice-web stays online in real-time mode (dnasync watch)"
"$BIN" --home "$WORK/alice-web" "${NET[@]}" --profile desktop watch >"$WORK/watch.log" 2>&1 &
WATCH=$!
PIDS+=($WATCH)
for _ in $(seq 100); do grep -q 'watching' "$WORK/watch.log" && break; sleep 0.1; done
say "alice-web: watching"

step "Alice sends from her desktop"
timed send --json bob "Hi Bob, dinner at 8?"
ID1=$(msg_id)
say "alice-desktop: sent ${ID1:0:16}... 'Hi Bob, dinner at 8?' $(took)"
for _ in $(seq 100); do grep -q "${ID1:0:16}" "$WORK/watch.log" && break; sleep 0.1; done
say "alice-web (real-time): $(grep "${ID1:0:16}" "$WORK/watch.log" | head -1)"
dev alice-mobile --profile mobile sync >/dev/null
say "alice-mobile (periodic sync): inbox = $(texts alice-mobile)"
dev bob sync >/dev/null
say "bob: inbox = $(texts bob)"

step "Alice deletes it on her desktop"
timed delete "$ID1"
say "alice-desktop: deleted ${ID1:0:16}... $(took)"
for _ in $(seq 100); do grep -q "deleted ${ID1:0:16}" "$WORK/watch.log" && break; sleep 0.1; done
say "alice-web (real-time): $(grep "deleted ${ID1:0:16}" "$WORK/watch.log" | head -1)"
dev alice-mobile --profile mobile sync >/dev/null
say "alice-mobile: inbox = [$(texts alice-mobile)]"

step "alice-mobile goes offline; meanwhile Alice writes and deletes on her desktop"
timed send --json bob "Running late, 8:30"
ID2=$(msg_id)
say "alice-desktop: sent ${ID2:0:16}... 'Running late, 8:30' $(took)"
timed send --json bob "Never mind, see you at 8"
ID3=$(msg_id)
say "alice-desktop: sent ${ID3:0:16}... 'Never mind, see you at 8' $(took)"
timed delete "$ID2"
say "alice-desktop: deleted ${ID2:0:16}... $(took)"
dev bob sync >/dev/null
say "bob: inbox = $(texts bob)"

step "alice-mobile comes back online and catches up"
dev alice-mobile --profile mobile sync
say "alice-mobile: inbox = [$(texts alice-mobile)]"
say "alice-mobile: $(dev alice-mobile status | grep -E '^verified days')"
dev alice-mobile --json status --days | grep '"day"' | tail -3

step "alice-browser: a browser tab as a fourth device, the web page node1's gateway serves (docs/web.md)"
WEB_DIR=$(dirname "$BIN")/web
if [ -x /usr/bin/chromium ] && [ -f "$WEB_DIR/index.html" ] && [ -d "$(dirname "$BIN")/web-npm/node_modules/puppeteer-core" ]; then
    mkdir -p "$(dirname "$BIN")/demo"
    CODE=$(dev alice-desktop --json link-code --passphrase 'correct horse' | sed -n 's/.*"code":"\([^"]*\)".*/\1/p')
    node "$(dirname "$0")/demo_web.mjs" "$GW" "$CODE" 'correct horse' "Never mind, see you at 8" \
        "$(dirname "$BIN")/demo/web-inbox.png" "$(dirname "$BIN")/web-npm/node_modules" |
        while IFS= read -r line; do say "$line"; done
else
    say "skipped: needs /usr/bin/chromium (scripts/deps.sh) and the web bundle (make, with node and npm)"
fi

step "Stopping everything"
kill -INT "$WATCH"; wait "$WATCH" 2>/dev/null || true
say "alice-web watch stopped cleanly"
for pid in "${DAEMONS[@]}"; do kill -TERM "$pid"; wait "$pid" 2>/dev/null || true; done
say "daemons: alice-desktop $(tail -1 "$WORK/alice-desktop-daemon.log" | sed 's/^[^ ]* *[A-Z]* *//'), bob $(tail -1 "$WORK/bob-daemon.log" | sed 's/^[^ ]* *[A-Z]* *//')"
say "storage nodes stop on exit"
