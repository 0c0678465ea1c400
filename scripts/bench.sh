#!/usr/bin/env bash
# `make bench`: sync cost against the raw DHT and SQLite ceilings, side by side in one run.
# usage: scripts/bench.sh [BUILD_DIR]   (env: BENCH_ROUNDS=3, BENCH_N=10000, BENCH_OUT=BENCHMARKS.md,
#   BENCH_KEEP=DIR keeps the run's raw results and log there; BENCH_TABLE_FROM=DIR prints the table again
#   from such a directory without measuring anything; BENCH_ONLY="PHASE ..." runs only those
#   phases, for debugging: the other rows print n/a and the table is not written unless BENCH_OUT
#   is set. Phases (rows): crypto (8) cache (5) upload (1) download (2, runs upload) idle (4, runs
#   download) realtime (3) daemon (9, 9b, 13c) mobile (7) gateway (7b, 13b) growth (6) web (W1-W3))
# Starts its own loopback DHT of 5 in-process OpenDHT nodes (bench_net), runs every phase as its
# own process (so peak RSS is per phase), prints one table and writes it to BENCHMARKS.md.
set -euo pipefail
BUILD=${1:-build}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=$(cd "$BUILD" && pwd)/bench
R=${BENCH_ROUNDS:-3}
N=${BENCH_N:-10000}
RT_N=${BENCH_RT_N:-200}
GW_N=${BENCH_GW_N:-1000}
GWL_N=${BENCH_GW_LAT_N:-40}
ALL_PHASES="crypto cache upload download idle realtime daemon mobile gateway growth web"
ONLY=" ${BENCH_ONLY:-} "
# want PHASE: the phase runs in this run (every phase without BENCH_ONLY)
want() { [ -z "${BENCH_ONLY:-}" ] || case "$ONLY" in *" $1 "*) return 0 ;; *) return 1 ;; esac; }
for p in ${BENCH_ONLY:-}; do
  case " $ALL_PHASES " in *" $p "*) ;; *) echo "bench: unknown phase '$p' (phases: $ALL_PHASES)" >&2; exit 2 ;; esac
done
# the idle pass runs on the device row 2 caught up; the initial sync reads what row 1 uploaded
if want idle && ! want download; then ONLY="$ONLY download "; fi
if want download && ! want upload; then ONLY="$ONLY upload "; fi
if [ -n "${BENCH_ONLY:-}" ]; then OUT=${BENCH_OUT:-}; else OUT=${BENCH_OUT:-$ROOT/BENCHMARKS.md}; fi
# the shared 5-node network (row 3's second, fresh one: want realtime or daemon)
NEED_NET=0
for p in upload download idle realtime daemon mobile gateway growth; do want $p && NEED_NET=1; done
for b in bench_net bench_upload bench_download bench_realtime bench_idle bench_cache bench_mobile bench_crypto bench_daemon bench_gateway; do
  [ -x "$BIN/$b" ] || { echo "bench: $BIN/$b missing (build first: make build)" >&2; exit 1; }
done
W=$(mktemp -d "${TMPDIR:-/tmp}/dnasync-bench-XXXXXX")
RES=$W/results.txt
LOG=$W/log.txt
: >"$RES"
NET_PID=
FRESH_PID=
GW_PID=
GWF_PID=
GW_STARTED=
RUN_PID=
# Also when the bench is stopped (Ctrl-C, kill): a phase runs under `timeout`, in its own process
# group (timeout's pid), so the whole group goes: the phase and what it started (daemons, the web
# bench's node and browser); then the networks and gateways by their pids.
cleanup() {
  [ -z "$RUN_PID" ] || { kill -TERM -- "-$RUN_PID" 2>/dev/null || true; wait "$RUN_PID" 2>/dev/null || true; }
  for p in $NET_PID $FRESH_PID $GW_PID $GWF_PID $GW_STARTED; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
  rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM HUP
T_START=$(date +%s)
# the machine is shared: each phase notes the 1-minute load average (reported with the table)
say() {
  printf '[bench %4ds] %s\n' $(( $(date +%s) - T_START )) "$*" >&2
  cut -d' ' -f1 /proc/loadavg >>"$W/load"
}

# bounded PROG ARGS...: PROG under `timeout` (RUN_TIMEOUT, default 300 s), stdout to $W/last;
# waited for in the background so that the trap can stop it (RUN_PID)
bounded() {
  timeout "${RUN_TIMEOUT:-300}" "$@" >"$W/last" 2>>"$LOG" &
  RUN_PID=$!
  local rc=0
  wait "$RUN_PID" || rc=$?
  RUN_PID=
  return "$rc"
}
# run NAME ARGS...: one process; its RESULT lines go to $RES (and its last output to $W/last)
PHASES=0
run() {
  local prog=$1; shift
  case " $* " in *" ${BOOT:-none} "*) PHASES=$((PHASES + 1)) ;; esac
  if ! bounded "$BIN/$prog" "$@"; then
    echo "bench: $prog $* failed; log:" >&2; tail -5 "$LOG" >&2; cat "$W/last" >&2; exit 1
  fi
  [ "${NOAPPEND:-0}" = 1 ] || grep '^RESULT ' "$W/last" >>"$RES" || true
}
last() { awk -v k="$1" '$1=="RESULT" && $2==k {v=$3} END {print v}' "$W/last"; }
add() { echo "RESULT $1 $2" >>"$RES"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.4f", a / b; else print 0 }'; }

if [ -n "${BENCH_TABLE_FROM:-}" ]; then # the table of a kept run, measured by the code it names
  RES=$BENCH_TABLE_FROM/results.txt
  cp "$BENCH_TABLE_FROM/progress" "$BENCH_TABLE_FROM/load" "$BENCH_TABLE_FROM/web.txt" "$W/" 2>/dev/null || true
  meta() { sed -n "s/^$1 //p" "$BENCH_TABLE_FROM/meta"; }
  TOTAL=$(meta total) DEAD=$(meta dead) REV=$(meta rev) DIRTY=$(meta dirty) WHEN=$(meta when)
  BENCH_ONLY=$(meta only)
  R=$(meta rounds) R=${R:-${BENCH_ROUNDS:-3}} # runs kept before 'rounds' was recorded: the env
  [ -z "$BENCH_ONLY" ] || OUT=${BENCH_OUT:-} # a partial run's table is not written either
else
[ -z "${BENCH_ONLY:-}" ] || say "only:$(printf " %s" $ONLY) (BENCH_ONLY and what those phases need)"
if [ $NEED_NET = 1 ]; then
  say "starting the loopback DHT (5 nodes)"
  "$BIN/bench_net" "$W/ready" "$([ -n "${BENCH_GROWTH_N:-}" ] && echo 5400 || echo 3600)" 2>>"$LOG" &
  NET_PID=$!
fi
if want realtime || want daemon; then
  # A second, untouched network for row 3's reference: no device process ever leaves it, so it
  # holds no dead nodes (the shared one collects one per finished phase process).
  "$BIN/bench_net" "$W/ready-fresh" 3600 2>>"$LOG" &
  FRESH_PID=$!
fi

# No network needed: run while the nodes find each other (they mostly sleep meanwhile).
if want crypto; then
  say "crypto"
  run bench_crypto 5
fi
if want cache; then
  say "cache ceiling ($N rows, 5 rounds)"
  run bench_cache "$W" "$N" 5
fi

# wait_ready FILE WHAT: bench_net wrote its first node's address (bounded: bench_net itself
# waits at most 120 s for its nodes to know each other)
wait_ready() {
  for _ in $(seq 1 1800); do [ -s "$1" ] && return 0; sleep 0.1; done
  echo "bench: $2 did not start" >&2; cat "$LOG" >&2; exit 1
}
if [ $NEED_NET = 1 ]; then
  wait_ready "$W/ready" "the DHT"
  BOOT=$(head -1 "$W/ready")
  say "$(grep bench_net "$LOG" | tail -1)"
fi

# 1. upload, dnasync and the raw floor interleaved round by round; the naive layout once per
#    round too (same value sizes, same 1,000-item batches as the engine).
want upload && for r in $(seq 1 "$R"); do
  say "upload round $r/$R: dnasync"
  run bench_upload prep "$W" "ua$r" "$N"
  run bench_upload dnasync "$W" "ua$r" "$N" "$BOOT"; d=$(last upload_dnasync_s)
  say "upload round $r/$R: raw floor"
  run bench_upload floor "$W" "fa$r" "$N" "$BOOT"; f=$(last upload_floor_s)
  add upload_ratio_floor "$(ratio "$d" "$f")"
  if [ "$r" = 1 ]; then
    say "upload: naive layout (one key per message)"
    run bench_upload naive "$W" "na$r" "$N" "$BOOT"; nv=$(last upload_naive_s)
    add upload_naive_over_dnasync "$(ratio "$nv" "$d")"
  fi
done
# 2. initial sync to a brand-new device, same interleaving.
want download && for r in $(seq 1 "$R"); do
  say "initial sync round $r/$R: dnasync"
  run bench_download dnasync "$W" "ub$r" "ua$r" "$BOOT"; d=$(last download_dnasync_s)
  grep '^PROGRESS' "$W/last" | tail -1 >"$W/progress" || true
  say "initial sync round $r/$R: raw floor"
  run bench_download floor "$W" "ua$r" "$BOOT"; f=$(last download_floor_s)
  add download_ratio_floor "$(ratio "$d" "$f")"
  if [ "$r" = 1 ]; then
    say "initial sync: naive layout"
    run bench_download naive "$W" "na$r" "$BOOT"; nv=$(last download_naive_s)
    add download_naive_over_dnasync "$(ratio "$nv" "$d")"
  fi
done
# 2g. the same initial sync with the device process limited to half of one core (a cgroup CPU
#     quota where the kernel offers one, else taskset + a competing busy loop; bench_download),
#     the raw floor read under the same limit, interleaved round by round (issue 14 item 5).
want download && for r in $(seq 1 "$R"); do
  say "initial sync round $r/$R, device limited to half a core: dnasync"
  BENCH_STARVE=1 run bench_download dnasync "$W" "us$r" "ua$r" "$BOOT"; d=$(last download_dnasync_starved_s)
  say "initial sync round $r/$R, device limited to half a core: raw floor"
  BENCH_STARVE=1 run bench_download floor "$W" "ua$r" "$BOOT"; f=$(last download_floor_starved_s)
  add download_starved_ratio_floor "$(ratio "$d" "$f")"
done
# 4. idle pass on the device that just caught up
if want idle; then
  say "idle passes"
  run bench_idle "$W" ub1 20 "$BOOT"
fi
# 3. real-time latency, on the shared network (after every phase above left its dead node) and
#    on the fresh one
DEAD=$PHASES
if want realtime; then
  say "real-time latency ($RT_N messages)"
  run bench_realtime "$W" rt1 "$RT_N" "$BOOT"
  DEAD=$PHASES # device processes that joined the shared network and left it
  wait_ready "$W/ready-fresh" "the fresh DHT"
  say "real-time latency ($RT_N messages), fresh network"
  NOAPPEND=1 run bench_realtime "$W" rt0 "$RT_N" "$(head -1 "$W/ready-fresh")"
  sed -n 's/^RESULT realtime_\(latency_ms\|send_call_ms\|timeouts\) /RESULT fresh_realtime_\1 /p' "$W/last" >>"$RES"
fi
# start_gateway BOOT: a `dnasync node --gateway-port` joined to BOOT; sets GW_STARTED (pid) and
# GW_URL; waits (bounded) until it answers /health
start_gateway() {
  local port
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  "$BIN/../dnasync" node --bind 127.0.0.1 --port 0 --bootstrap "$1" --gateway-port "$port" \
    --gateway-rate 100000 >>"$LOG" 2>&1 &
  GW_STARTED=$!
  GW_URL=http://127.0.0.1:$port
  python3 - "$port" <<'PY' || { echo "bench: the gateway did not start" >&2; exit 1; }
import sys, time, urllib.request
for _ in range(100):  # bounded: 20 s
    try:
        urllib.request.urlopen("http://127.0.0.1:%s/health" % sys.argv[1], timeout=1)
        sys.exit(0)
    except OSError:
        time.sleep(0.2)
sys.exit(1)
PY
}
# 9, 9b, 13c. the command through the home's daemon vs in-process vs one-shot through a gateway;
# real time daemon to daemon on the fresh network (after row 3: its in-process runs leave dead
# nodes there): before; 13c's quiet windows between busy windows of gateway clients (writing to
# dave) at idle and at normal priority, one pair of daemons throughout; after the in-process
# runs; then with the clients as 100 more writers of bob's mailbox; the native control. The
# gateway's and the network's pids let bench_daemon read their CPU per window.
if want daemon; then
  wait_ready "$W/ready-fresh" "the fresh DHT"
  start_gateway "$(head -1 "$W/ready-fresh")"; GWF_PID=$GW_STARTED
  say "dnasync command latency and daemon real time (${BENCH_DAEMON_N:-50} each; 100 gateway clients)"
  BENCH_GATEWAY_PID=$GWF_PID BENCH_NET_PID=$FRESH_PID RUN_TIMEOUT=2400 \
    run bench_daemon "$W" "${BENCH_DAEMON_N:-50}" "$GW_URL" "$(head -1 "$W/ready-fresh")"
  kill "$GWF_PID" 2>/dev/null || true; wait "$GWF_PID" 2>/dev/null || true; GWF_PID=
fi
if [ -n "$FRESH_PID" ]; then
  kill "$FRESH_PID" 2>/dev/null || true; wait "$FRESH_PID" 2>/dev/null || true; FRESH_PID=
fi
# 7. mobile profile, one simulated hour
if want mobile; then
  say "mobile profile (simulated hour)"
  run bench_mobile "$W" mo1 "$BOOT"
fi
# 7b. a mobile device through a gateway vs with its own node: a `dnasync node --gateway-port`
#     joins the bench network; catch-up of GW_N messages, then a simulated mobile hour
#     then (13b) put and listen latency through the gateway beside the native node
if want gateway; then
  start_gateway "$BOOT"; GW_PID=$GW_STARTED
  say "mobile device through a gateway vs native ($GW_N messages, $R rounds); gateway latency ($GWL_N sends)"
  RUN_TIMEOUT=600 run bench_gateway "$W" "$GW_N" "$BOOT" "$GW_URL" "$R" "$GWL_N"
  kill "$GW_PID" 2>/dev/null || true; wait "$GW_PID" 2>/dev/null || true; GW_PID=
fi
# 6. growth: 1,000 messages (the 10,000 point is phase 2)
want growth && for r in $(seq 1 "$R"); do
  say "growth: 1,000 messages, round $r/$R"
  NOAPPEND=1 run bench_upload prep "$W" "gs$r" 1000
  NOAPPEND=1 run bench_upload dnasync "$W" "gs$r" 1000 "$BOOT"
  sed -n 's/^RESULT upload_dnasync_s /RESULT growth1k_upload_s /p' "$W/last" >>"$RES"
  NOAPPEND=1 run bench_download dnasync "$W" "gt$r" "gs$r" "$BOOT"
  sed -n 's/^RESULT download_dnasync_\(s\|rss_kb\|cpu_s\) /RESULT growth1k_\1 /p' "$W/last" >>"$RES"
done
if want growth && [ -n "${BENCH_GROWTH_N:-}" ]; then
  say "growth: $BENCH_GROWTH_N messages (one round)"
  add growthbig_n "$BENCH_GROWTH_N"
  RUN_TIMEOUT=1200 NOAPPEND=1 run bench_upload prep "$W" gl1 "$BENCH_GROWTH_N"
  RUN_TIMEOUT=1200 NOAPPEND=1 run bench_upload dnasync "$W" gl1 "$BENCH_GROWTH_N" "$BOOT"
  sed -n 's/^RESULT upload_dnasync_\(s\|rss_kb\|cpu_s\) /RESULT growthbig_upload_\1 /p' "$W/last" >>"$RES"
  RUN_TIMEOUT=1200 NOAPPEND=1 run bench_download dnasync "$W" gm1 gl1 "$BOOT"
  sed -n 's/^RESULT download_dnasync_\(s\|rss_kb\|cpu_s\|msgs\) /RESULT growthbig_\1 /p' "$W/last" >>"$RES"
fi
# W1-W3. the web device in headless Chromium (bench/web_bench.js; docs/web.md): its own loopback
# node; skipped, saying why, without node, the page's bundle or Chromium. BENCH_WEB_N: the
# catch-up sizes (default "1000 10000"); W1 from every run, W3 from the first.
if ! want web; then
  :
elif command -v node >/dev/null && [ -f "$BUILD/web/dnasync-web.mjs" ] && [ -x /usr/bin/chromium ]; then
  first=1
  for n in ${BENCH_WEB_N:-1000 10000}; do
    say "web device: catch-up of $n messages in headless Chromium"
    rc=0
    RUN_TIMEOUT=1800 bounded node "$ROOT/bench/web_bench.js" "$BUILD" "$n" "$([ $first = 1 ] && echo 20 || echo 0)" || rc=$?
    # what it measured before a failure counts too
    sed -n "s/^RESULT web_catchup_s /RESULT web_catchup_s_$n /p; /^RESULT web_\(join\|send\)/p" "$W/last" >>"$W/web.txt"
    [ $rc = 0 ] || echo "bench: web_bench.js $n failed ($rc; log: $LOG)" >&2
    first=0
  done
else
  say "web device rows skipped: node, $BUILD/web/dnasync-web.mjs (make) or /usr/bin/chromium missing"
fi
TOTAL=$(( $(date +%s) - T_START ))
say "done in ${TOTAL}s"
REV=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
DIRTY=$(git -C "$ROOT" status --porcelain --untracked-files=no 2>/dev/null | grep -q . && echo " (work tree has uncommitted changes)" || true)
WHEN=$(date -u '+%Y-%m-%d %H:%M UTC')
if [ -n "${BENCH_KEEP:-}" ]; then
  mkdir -p "$BENCH_KEEP"
  cp "$RES" "$W/load" "$BENCH_KEEP/"
  cp "$W/progress" "$W/web.txt" "$BENCH_KEEP/" 2>/dev/null || true
  cp "$LOG" "$BENCH_KEEP/log.txt" 2>/dev/null || true
  printf 'total %s\ndead %s\nrev %s\ndirty %s\nwhen %s\nonly %s\nrounds %s\n' "$TOTAL" "$DEAD" "$REV" "$DIRTY" "$WHEN" "${BENCH_ONLY:-}" "$R" >"$BENCH_KEEP/meta"
fi
fi

# ---- the table ----
# st NAME [scale]: "median (min–max, n)"; med NAME [scale]: the median only
stats() {
  awk -v k="$1" -v s="${2:-1}" -v f="${3:-%.3g}" '$1=="RESULT" && $2==k {v[n++]=$3*s}
    END { if (!n) { print "n/a"; exit }
          for (i=0;i<n;i++) for (j=i+1;j<n;j++) if (v[j]<v[i]) {t=v[i];v[i]=v[j];v[j]=t}
          m = n%2 ? v[(n-1)/2] : (v[n/2-1]+v[n/2])/2
          if (mode=="med") printf f, m; else if (n==1) printf f" (1 run)", m;
          else printf f" ("f"–"f", %d runs)", m, v[0], v[n-1], n }' mode="$4" "$RES"
}
st() { stats "$1" "${2:-1}" "${3:-%.4g}" full; }
med() { stats "$1" "${2:-1}" "${3:-%.6g}" med; }
# pcts NAME: "p50 X, p99 Y, max Z" of every value of NAME
pcts() {
  awk -v k="$1" '$2==k {print $3}' "$RES" | sort -g |
    awk '{v[NR]=$1} END { if (!NR) { print "n/a"; exit }
      i=int(NR*0.99+0.999); if(i<1)i=1; printf "p50 %.1f, p99 %.1f, max %.1f", v[int((NR+1)/2)], v[i], v[NR] }'
}
# all NAME: every value of NAME in ms, in run order (n/a: none)
all() { awk -v k="$1" '$2==k {printf "%s%.0f", n++ ? ", " : "", $3} END { print n ? " ms" : "n/a" }' "$RES"; }
# q NAME Q: the Q quantile (0.5, 0.99) of every value of NAME, as pcts takes it (1e9: none)
q() {
  awk -v k="$1" '$2==k {print $3}' "$RES" | sort -g |
    awk -v q="$2" '{v[NR]=$1} END {i=int(NR*q+0.999); if (i<1) i=1; print NR ? v[i] : 1e9}'
}
# qr A B Q: the Q quantile of A over that of B
qr() { awk -v a="$(q "$1" "$3")" -v b="$(q "$2" "$3")" 'BEGIN { if (a >= 1e9 || b <= 0 || b >= 1e9) print "n/a"; else printf "%.3g", a / b }'; }
# vals NAME: every value of NAME, in run order; rng NAME: "min–max"; mx A B: the largest of both
vals() { awk -v k="$1" '$2==k {printf "%s%.0f", n++ ? ", " : "", $3} END { if (!n) print "n/a" }' "$RES"; }
rng() { awk -v k="$1" '$2==k {if (!n++ || $3<a) a=$3; if ($3>b || n==1) b=$3} END { if (n) printf "%.0f–%.0f", a, b; else print "n/a" }' "$RES"; }
mx() { awk -v a="$1" -v b="$2" '$2==a || $2==b {if (!n++ || $3>m) m=$3} END { print n ? m : "n/a" }' "$RES"; }
# 13c: the other live nodes a daemon's routing table can hold (bench_net's 5, the gateway's node,
# the other daemon); GW_NATIVE: the control's native one-shot clients (bench_daemon.c)
NET_OTHERS=7
GW_NATIVE=3
goal() { awk -v v="$1" -v op="$2" -v g="$3" 'BEGIN { if (v == "n/a" || v == "" || v >= 1e9) { print "not measured"; exit } ok = op=="<=" ? v<=g : op=="<" ? v<g : v>=g; print ok ? "met" : "**missed**" }'; }

CPU=$(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //')
UPR=$(med upload_ratio_floor); DLR=$(med download_ratio_floor)
D99=$(awk '$2=="cli_send_daemon_ms" || $2=="cli_inbox_daemon_ms" {print $3}' "$RES" | sort -g |
  awk '{v[NR]=$1} END {i=int(NR*0.99+0.999); if (i<1) i=1; print NR ? v[i] : 1e9}')
UPN=$(med upload_naive_over_dnasync); DLN=$(med download_naive_over_dnasync)
IDR=$(med idle_requests); IDC=$(med idle_cpu_ms); CR=$(med cache_dnasync_over_plain)
# of AWK_STATEMENT A [B]: the statement on a and b (and n=$N), or n/a when one was not measured
of() { case " $2 ${3-0} " in *" n/a "* | *"  "*) echo n/a ;; *) awk -v a="$2" -v b="${3-0}" -v n="$N" "BEGIN { $1 }" ;; esac; }
PER_MSG_10K=$(of 'printf "%.3g", a / n * 1000' "$(med download_dnasync_s)")
PER_MSG_1K=$(of 'printf "%.3g", a' "$(med growth1k_s)")
RSS_10K=$(med download_dnasync_rss_kb); RSS_1K=$(med growth1k_rss_kb)
MIB_10K=$(of 'printf "%.0f", a / 1024' "$RSS_10K"); MIB_1K=$(of 'printf "%.0f", a / 1024' "$RSS_1K")
# the 100,000 point on the line through the 1,000 and the N point (none when N is 1,000)
EXTRA='if (n == 1000) print "n/a"; else printf "%.0f", (b + (b - a) / (n - 1000) * (100000 - n))'
EXTRA_S=$(of "$EXTRA" "$(med growth1k_s)" "$(med download_dnasync_s)")
EXTRA_RSS=$(of "$EXTRA / 1024" "$RSS_1K" "$RSS_10K")
mib() { of 'printf "%.0f", a / 1024' "$1"; }
INV_N=$(awk -v n="$N" 'BEGIN{printf "%.10f", 1/n}')
if grep -q ' growthbig_s ' "$RES"; then
  GN=$(med growthbig_n 1 %.0f)
  BIG="$GN: $(awk -v s="$(med growthbig_s)" -v n="$GN" 'BEGIN{printf "%.3g", s/n*1000}') ms, $(mib "$(med growthbig_rss_kb)") MiB (1 run; $(med growthbig_s 1 %.1f) s, CPU $(med growthbig_cpu_s 1 %.1f) s, $(med growthbig_msgs 1 %.0f) messages in the pass); its upload $(med growthbig_upload_s 1 %.1f) s, CPU $(med growthbig_upload_cpu_s 1 %.1f) s, $(mib "$(med growthbig_upload_rss_kb)") MiB"
else
  BIG="100,000: not run (BENCH_GROWTH_N=100000); linear extrapolation from 1,000 and $N ≈ ${EXTRA_S} s, ≈ ${EXTRA_RSS} MiB"
fi
{
cat <<HDR
# Benchmarks

\`make bench\` (scripts/bench.sh, programs in bench/) on this machine: $(nproc) cores, $CPU,
$WHEN, commit $REV$DIRTY; whole run ${TOTAL}s$([ -z "${BENCH_ONLY:-}" ] || echo ", **only the phases $BENCH_ONLY** (BENCH_ONLY; the other rows are n/a)"). The machine is shared
(other developers' builds and tests ran meanwhile): 1-minute load average at the phases' starts
$(sort -g "$W/load" | awk '{v[NR]=$1} END {printf "median %s (min %s, max %s, %d samples)", v[int((NR+1)/2)], v[1], v[NR], NR}') on $(nproc) cores.
A loopback DHT of 5 OpenDHT nodes in one process (bench_net); every device phase is its own
process with its own DHT node (as a home opens it), so RSS is per phase. Figures are medians
over runs in this one run ("median (min–max, runs)"); dnasync and its reference are measured
alternately, round by round, and each ratio is taken per round. DHT requests are counted at the
DHT adapter (the bench links with \`--wrap\` around dnad_put / dnad_get / dnad_list_ids /
dnad_listen): a put, a get, an id listing, a listen each count one; bytes are value payload
bytes sent and received plus 8 per listed id (not UDP bytes). $N messages have 1,024-byte
bodies; every value is $(med upload_dnasync_value_bytes 1 %.0f) B on the wire for dnasync and $(med upload_floor_value_bytes 1 %.0f) B for the floors.

| # | measure | dnasync | reference | ratio | goal | |
|---|---|---|---|---|---|---|
| 1a | upload $N msgs, s (dnasync: bundles, value format 2) | $(st upload_dnasync_s) | floor: the same messages one per value (format 1, the layout before bundles) put raw with \`dht_put_batch\` into the same shard keys, batches of 1,000: $(st upload_floor_s) | $(st upload_ratio_floor) × floor | ≤ 1.25× | $(goal "$UPR" "<=" 1.25) |
| 1b | upload, naive layout (one key per msg) | | $(st upload_naive_s) | naive is $(st upload_naive_over_dnasync) × slower | ≥ 5× | $(goal "$UPN" ">=" 5) |
| 1c | upload DHT requests / puts | $(st upload_dnasync_requests 1 %.0f) / $(st upload_dnasync_puts 1 %.0f) | floor $(st upload_floor_requests 1 %.0f) / $(st upload_floor_puts 1 %.0f); naive $(st upload_naive_requests 1 %.0f) | | | |
| 1d | upload: OpenDHT requests on the wire per message (the device's node, all kinds) | $(st upload_dnasync_wire "$INV_N" %.3g) | floor $(st upload_floor_wire "$INV_N" %.3g); naive $(st upload_naive_wire "$INV_N" %.3g) | | | |
| 2a | initial sync of $N to a new device, s | $(st download_dnasync_s) | floor: raw list + get-by-ids of the one-message-per-value upload of the same round: $(st download_floor_s); dnasync's bundled values read the same raw way: $(st download_floor_bundled_s) | $(st download_ratio_floor) × floor | ≤ 1.25× | $(goal "$DLR" "<=" 1.25) |
| 2b | initial sync, naive layout | | one \`dht_get\` per message key: $(st download_naive_s) | naive is $(st download_naive_over_dnasync) × slower | ≥ 5× | $(goal "$DLN" ">=" 5) |
| 2c | initial sync: CPU s / peak RSS MiB / requests | $(st download_dnasync_cpu_s) / $(st download_dnasync_rss_kb 0.0009765625) / $(st download_dnasync_requests 1 %.0f) | floor $(st download_floor_cpu_s) / $(st download_floor_rss_kb 0.0009765625) / $(st download_floor_requests 1 %.0f) | | | |
| 2e | initial sync: OpenDHT requests on the wire per message (the device's node, all kinds) | $(st download_dnasync_wire "$INV_N" %.3g) | floor $(st download_floor_wire "$INV_N" %.3g); naive $(st download_naive_wire "$INV_N" %.3g) | | | |
| 2f | issue 14: initial sync of $N s / upload s / OpenDHT wire requests per message, initial sync and upload / CPU µs per message of the initial sync | $(st download_dnasync_s) / $(st upload_dnasync_s) / $(st download_dnasync_wire_per_msg 1 %.3g) and $(st upload_dnasync_wire_per_msg 1 %.3g) / $(st download_dnasync_cpu_per_msg_us 1 %.0f) | CPU µs per message, raw read of the bundled values (no checks, no cache): $(st download_floor_bundled_cpu_per_msg_us 1 %.0f); of the one-per-value floor: $(st download_floor_cpu_per_msg_us 1 %.0f) | naive / dnasync initial sync (2b): $(st download_naive_over_dnasync) | ≤ 2.5 s / ≤ 2.5 s / ≤ 1 and ≤ 1 / ≥ 10× naive | $(goal "$(med download_dnasync_s)" "<=" 2.5) / $(goal "$(med upload_dnasync_s)" "<=" 2.5) / $(goal "$(med download_dnasync_wire_per_msg)" "<=" 1) and $(goal "$(med upload_dnasync_wire_per_msg)" "<=" 1) / $(goal "$DLN" ">=" 10) |
| 2g | issue 14 item 5: initial sync of $N with the device process limited to half of one core ($(case "$(med download_starve_method 1 %.0f)" in 1) echo "cgroup v2 cpu.max 50000 100000" ;; 2) echo "cgroup v1 cpu.cfs_quota_us 50000 of 100000" ;; 3) echo "taskset to CPU 0 beside a busy loop" ;; *) echo "not run" ;; esac)), s / CPU s / messages in the one pass / id listings, gets (whole-key), signature checks | $(st download_dnasync_starved_s) / $(st download_dnasync_starved_cpu_s) / $(st download_dnasync_starved_msgs 1 %.0f) / $(st download_dnasync_starved_lists 1 %.0f), $(st download_dnasync_starved_gets 1 %.0f) ($(st download_dnasync_starved_whole_gets 1 %.0f)), $(st download_dnasync_starved_verifies 1 %.0f); unlimited (2a): $(st download_dnasync_lists 1 %.0f), $(st download_dnasync_gets 1 %.0f) ($(st download_dnasync_whole_gets 1 %.0f)), $(st download_dnasync_verifies 1 %.0f) | the one-message-per-value floor under the same limit: $(st download_floor_starved_s) / CPU $(st download_floor_starved_cpu_s); the bundled values read raw the same way: $(st download_floor_bundled_starved_s) | $(st download_starved_ratio_floor) × floor | ≤ 1.5×, all $N in one pass | $(goal "$(med download_starved_ratio_floor)" "<=" 1.5) / $(goal "$(med download_dnasync_starved_msgs)" ">=" "$N") |
| 2d | progress line (SYNC_EVENT_PROGRESS) | last: $(sed 's/PROGRESS //' "$W/progress" 2>/dev/null); first event after $(st download_dnasync_first_progress_s) s of the pass | | | | |
| 3 | real-time latency, send call → B's MESSAGE event, ms | $(pcts realtime_latency_ms) ($(grep -c ' realtime_latency_ms ' "$RES") msgs, $(med realtime_timeouts) lost), on the shared network after $DEAD device processes left it; of which A's \`sync_send\` call: $(pcts realtime_send_call_ms) | the same on a fresh 5-node network no device ever left: $(pcts fresh_realtime_latency_ms) ($(med fresh_realtime_timeouts) lost); send call $(pcts fresh_realtime_send_call_ms) | | | |
| 4 | idle \`sync_pass\` (in sync): requests / bytes / CPU ms | $(st idle_requests 1 %.0f) / $(st idle_bytes 1 %.0f) / $(st idle_cpu_ms) | wall ms $(st idle_wall_ms) | | ≤ 4 req, < 5 ms CPU | $(goal "$IDR" "<=" 4) / $(goal "$IDC" "<" 5) |
| 5 | cache insert of $N downloaded msgs in one transaction, rows/s | \`dnasync_cache_insert\` $(st cache_dnasync_rows_per_s 1 %.0f) | plain prepared INSERT, same schema: $(st cache_plain_rows_per_s 1 %.0f) | $(st cache_dnasync_over_plain) of ceiling (with the engine's index row per value: $(st cache_engine_over_plain)) | ≥ 0.5 | $(goal "$CR" ">=" 0.5) |
| 6 | growth: initial sync, ms per msg / peak RSS MiB ($R runs each, medians) | 1,000: $PER_MSG_1K ms, $MIB_1K MiB; $N: $PER_MSG_10K ms, $MIB_10K MiB | $BIG | | | |
| 7 | mobile profile, per simulated hour | $(st mobile_requests_per_hour 1 %.0f) requests, $(st mobile_wakeups_per_hour 1 %.0f) wake-ups, $(st mobile_cpu_ms_per_hour) CPU ms | | | | |
| 7b | new mobile device, open + catch-up of ${GW_N} msgs: wall s / CPU s / requests / bytes; then a simulated hour: requests / bytes / CPU ms | through a gateway (HTTP requests, bytes with headers): $(st gw_gateway_catchup_s) / $(st gw_gateway_catchup_cpu_s) / $(st gw_gateway_catchup_requests 1 %.0f) / $(st gw_gateway_catchup_bytes 1 %.0f); hour $(st gw_gateway_hour_requests 1 %.0f) / $(st gw_gateway_hour_bytes 1 %.0f) / $(st gw_gateway_hour_cpu_ms); messages the catch-up missed $(st gw_gateway_catchup_missing 1 %.0f) | its own DHT node (adapter calls, payload bytes; start and join included): $(st gw_native_catchup_s) / $(st gw_native_catchup_cpu_s) / $(st gw_native_catchup_requests 1 %.0f) / $(st gw_native_catchup_bytes 1 %.0f), $(st gw_native_catchup_wire 1 %.0f) OpenDHT requests on the wire; hour $(st gw_native_hour_requests 1 %.0f) / $(st gw_native_hour_bytes 1 %.0f) / $(st gw_native_hour_cpu_ms); missed $(st gw_native_catchup_missing 1 %.0f) | | | |
| 8 | crypto, ops/s (one core) | ML-KEM-512 keygen $(st crypto_mlkem_keygen_per_s 1 %.0f), encaps $(st crypto_mlkem_encaps_per_s 1 %.0f), decaps $(st crypto_mlkem_decaps_per_s 1 %.0f); envelope (1 KiB, 1 recipient) seal $(st crypto_envelope_seal_per_s 1 %.0f), open $(st crypto_envelope_open_per_s 1 %.0f) | | | | |
| 9 | \`dnasync\` command, whole process run, ms: through the home's daemon | send $(pcts cli_send_daemon_ms); inbox $(pcts cli_inbox_daemon_ms) | in-process (own DHT node per run, a home that never ran a daemon): send $(pcts cli_send_inproc_ms); inbox $(pcts cli_inbox_inproc_ms); one-shot through a gateway (the 100 clients of 13c, a new home each): send $(pcts cli_send_gateway_ms); \`dnasync --version\` $(pcts cli_version_ms); the daemon's time from start to ready, before these (docs/rpc.md, "Ready"): $(all daemon_ready_ms) | daemon / in-process send p50 $(qr cli_send_daemon_ms cli_send_inproc_ms 0.5), p99 $(qr cli_send_daemon_ms cli_send_inproc_ms 0.99) | p99 ≤ 20 ms through the daemon | $(goal "$D99" "<=" 20) |
| 9b | real time daemon to daemon, send request → the other daemon's \`message\` notification, ms, on the fresh network after row 9's ${BENCH_DAEMON_N:-50} in-process \`send\`s (native one-shot processes) joined and left | $(pcts daemon_realtime_latency_ms) ($(med daemon_realtime_latency_timeouts) lost), measured once both daemons were ready, after $(all daemon_realtime_latency_ready_ms) | the same before any one-shot process: $(pcts daemon_rt_fresh_ms) ($(med daemon_rt_fresh_timeouts) lost), ready after $(all daemon_rt_fresh_ready_ms); after the 200 one-shot gateway clients of 13c came and went (its last window, the same daemons): $(pcts daemon_rt_aftergw_ms) | after native one-shots / before: p50 $(qr daemon_realtime_latency_ms daemon_rt_fresh_ms 0.5), p99 $(qr daemon_realtime_latency_ms daemon_rt_fresh_ms 0.99) | p99 ≤ 50 ms | after native one-shots: $(goal "$(q daemon_realtime_latency_ms 0.99)" "<=" 50); after gateway clients: $(goal "$(q daemon_rt_aftergw_ms 0.99)" "<=" 50) |
| 13b | through a gateway vs a native node, ms: a confirmed put call / doorbell put → listener callback / send call → the other device's MESSAGE event (one identity; a native and a gateway writer in turn, a native and a gateway receiver each hearing the same put; $(med gwlat_sends 1 %.0f) sends in all) | gateway: put $(pcts gwlat_put_gateway_ms); listen (SSE) of a native writer's put $(pcts gwlat_listen_native_gateway_ms); real time native writer → gateway receiver $(pcts gwlat_rt_native_gateway_ms), gateway writer → gateway receiver $(pcts gwlat_rt_gateway_gateway_ms) | native: put $(pcts gwlat_put_native_ms); listen of the same puts $(pcts gwlat_listen_native_native_ms); real time native → native $(pcts gwlat_rt_native_native_ms), gateway writer → native receiver $(pcts gwlat_rt_gateway_native_ms); $(med gwlat_lost 1 %.0f) events lost | gateway / native p50: put $(qr gwlat_put_gateway_ms gwlat_put_native_ms 0.5), listen $(qr gwlat_listen_native_gateway_ms gwlat_listen_native_native_ms 0.5) | | |
| 13c | real time of a native device (daemon to daemon alice → bob, as 9b) while 100 one-shot gateway clients come and go (\`init\` + \`send\` each to a third identity, dave, 2 at a time), ms: the same two daemons throughout, quiet windows of ${BENCH_DAEMON_N:-50} messages between busy windows of 20 clients each, the clients at idle CPU priority (SCHED_IDLE: real gateway clients run on other machines, and on these 2 cores their processes' CPU is what slows the daemons, notes 13c) and at normal priority in turn, 100 of each (Q I Q N … Q) | while, clients at idle priority: $(pcts daemon_rt_gwchurn_idle_ms); at normal priority: $(pcts daemon_rt_gwchurn_ms); the quiet windows between: $(pcts daemon_rt_gwquiet_ms); after they all left (the last window): $(pcts daemon_rt_aftergw_ms); $(med daemon_rt_gw_timeouts 1 %.0f) lost. **Routing tables** (daemon \`status\` \`nodes\`, alice's and bob's; the network has $NET_OTHERS other live nodes: bench_net's 5, the gateway's, the other daemon): after the first window $(vals daemon_rt_gw_nodes_before), at the end of every busy window $(rng daemon_rt_gw_nodes_while), after the last $(vals daemon_rt_gw_nodes_after) (all good: $(rng daemon_rt_gw_nodes_good_while)); the control, ${GW_NATIVE} native one-shot clients (\`init\` with a DHT node of their own) while the daemons run: $(vals daemon_rt_native_nodes_before) → $(vals daemon_rt_native_nodes_after). Per window, medians (quiet / idle / normal): the daemons' run-queue wait per message $(med daemon_rt_gwquiet_runq_ms 1 %.1f) / $(med daemon_rt_gwchurn_idle_runq_ms 1 %.1f) / $(med daemon_rt_gwchurn_runq_ms 1 %.1f) ms (before, 9b's phase: $(med daemon_rt_fresh_runq_ms 1 %.1f)), their CPU per message $(med daemon_rt_gwquiet_cpu_ms 1 %.1f) / $(med daemon_rt_gwchurn_idle_cpu_ms 1 %.1f) / $(med daemon_rt_gwchurn_cpu_ms 1 %.1f) ms (first window $(med daemon_rt_gwbefore_cpu_ms 1 %.1f), last $(med daemon_rt_aftergw_cpu_ms 1 %.1f), as their nodes' OpenDHT searches grew from $(vals daemon_rt_gw_searches_before) to $(vals daemon_rt_gw_searches_after), alice's and bob's: the drift the interleaving cancels, notes 13c), the gateway's CPU share $(med daemon_rt_gwquiet_gateway_cpu_pct 1 %.0f) / $(med daemon_rt_gwchurn_idle_gateway_cpu_pct 1 %.0f) / $(med daemon_rt_gwchurn_gateway_cpu_pct 1 %.0f) %, the network's (bench_net) $(med daemon_rt_gwquiet_net_cpu_pct 1 %.0f) / $(med daemon_rt_gwchurn_idle_net_cpu_pct 1 %.0f) / $(med daemon_rt_gwchurn_net_cpu_pct 1 %.0f) %; CPU per client (\`init\` + \`send\`) $(med daemon_rt_gwchurn_idle_clients_cpu_ms 1 %.0f) / $(med daemon_rt_gwchurn_clients_cpu_ms 1 %.0f) ms | the first quiet window, before any client: $(pcts daemon_rt_gwbefore_ms); 9b's phase before them (daemons of their own, just started): $(pcts daemon_rt_fresh_ms); a separate effect, not this row's goal, measured last: bob's mailbox with 100 more writers (each of the clients then sent bob one message): $(pcts daemon_rt_bobwriters_ms) ($(med daemon_rt_bobwriters_timeouts) lost), against 9b's phase just before it: $(pcts daemon_realtime_latency_ms) | per busy window, its p50 over the mean p50 of the quiet windows on each side: idle priority $(st daemon_rt_gwchurn_idle_ratio 1 %.3g | sed 's/ runs)/ windows)/'), normal priority $(st daemon_rt_gwchurn_ratio 1 %.3g | sed 's/ runs)/ windows)/'); pooled, while / the quiet windows, p50: idle $(qr daemon_rt_gwchurn_idle_ms daemon_rt_gwquiet_ms 0.5), normal $(qr daemon_rt_gwchurn_ms daemon_rt_gwquiet_ms 0.5); after / the first window: p50 $(qr daemon_rt_aftergw_ms daemon_rt_gwbefore_ms 0.5), p99 $(qr daemon_rt_aftergw_ms daemon_rt_gwbefore_ms 0.99); 100 more writers / the phase before it (9b): p50 $(qr daemon_rt_bobwriters_ms daemon_realtime_latency_ms 0.5) | unchanged: with the clients at idle priority, the median window ≤ 1.25× the quiet windows around it; no node in the daemons' routing tables beyond the network's | idle priority: $(goal "$(med daemon_rt_gwchurn_idle_ratio)" "<=" 1.25); normal priority (the clients' CPU on the daemons' cores): $(goal "$(med daemon_rt_gwchurn_ratio)" "<=" 1.25); routing tables: $(goal "$(mx daemon_rt_gw_nodes_while daemon_rt_gw_nodes_after)" "<=" "$NET_OTHERS") |

HDR
} >"$W/table.md"

# ---- the web device's rows (n/a when not measured) ----
( echo; echo "| # | the web device in headless Chromium (\`bench/web_bench.js\`, its own loopback node) | page | C device (row 6: own DHT node, 5-node network) | page / C |"; echo "|---|---|---|---|---|"
  RES=$W/web.txt # st and pcts read $RES (a subshell: the main results stay as they are)
  touch "$RES"
  echo "| W1 | join: link code + passphrase → linked, ms | $(st web_join_ms 1 %.0f) | | |"
  for n in ${BENCH_WEB_N:-1000 10000}; do
    case $n in 1000) c=$PER_MSG_1K ;; "$N") c=$PER_MSG_10K ;; *) c=n/a ;; esac
    s=$(med "web_catchup_s_$n" 1 %.1f)
    p=$(of 'printf "%.3g", a / b * 1000' "$s" "$n")
    echo "| W2 | catch-up of $n messages by a fresh tab, ms per message | $p ($s s) | $c | $(of 'printf "%.2f×", a / b' "$p" "$c") |"
  done
  echo "| W3 | \`dnasync send\` → row shown in the page, ms | $(pcts web_send_to_page_ms) | the send process: $(pcts web_send_process_ms) | |"
) >>"$W/table.md"
cat "$W/table.md"
if [ -z "$OUT" ]; then
  echo "bench: not written (BENCH_ONLY; BENCH_OUT=FILE writes it)" >&2
elif [ -f "$ROOT/bench/BENCHMARKS.notes.md" ]; then
  cat "$W/table.md" "$ROOT/bench/BENCHMARKS.notes.md" >"$OUT"
  echo "bench: written to $OUT" >&2
else
  cp "$W/table.md" "$OUT"
  echo "bench: written to $OUT" >&2
fi
