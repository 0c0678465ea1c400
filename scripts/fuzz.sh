#!/usr/bin/env bash
# Builds the libFuzzer targets of tests/fuzz with clang (ASan+UBSan) in build-fuzz/ and runs
# them one after the other, niced (docs/fuzz.md).
#   scripts/fuzz.sh [TARGET...]          default: every target in tests/fuzz/CMakeLists.txt
#   FUZZ_RUNS=N      executions per target (default 10000000)
#   FUZZ_MAX_TIME=S  stop a target after S seconds anyway (default 3600)
#   FUZZ_BUILD=DIR   build directory (default build-fuzz)
#   FUZZ_MAX_LEN=B   longest input libFuzzer makes (default: its own, the longest seed)
# New inputs go to DIR/corpus/<target> (the repository's seeds are only read); a crash leaves
# DIR/artifacts/<target>/crash-* and makes the script exit 1. Each target's libFuzzer log is
# DIR/fuzz-<target>.log; one summary line per target is printed.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${FUZZ_BUILD:-build-fuzz}
RUNS=${FUZZ_RUNS:-10000000}
MAX_TIME=${FUZZ_MAX_TIME:-3600}
MAX_LEN=()
[ -z "${FUZZ_MAX_LEN:-}" ] || MAX_LEN=(-max_len="$FUZZ_MAX_LEN")
command -v clang >/dev/null || { echo "fuzz: clang is needed (apt-get install clang libclang-rt-14-dev)" >&2; exit 1; }

if [ $# -gt 0 ]; then targets=("$@"); else
    read -r -a targets < <(sed -n 's/^set(DNASYNC_FUZZ_TARGETS \(.*\))$/\1/p' tests/fuzz/CMakeLists.txt)
fi
cmake -S . -B "$BUILD" -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
      -DCMAKE_BUILD_TYPE=RelWithDebInfo -DDNASYNC_FUZZ=ON >/dev/null
nice -n 10 cmake --build "$BUILD" -j 2 --target "${targets[@]/#/fuzz_}"

status=0
for t in "${targets[@]}"; do
    work="$BUILD/corpus/$t" art="$BUILD/artifacts/$t/" log="$BUILD/fuzz-$t.log"
    mkdir -p "$work" "$art"
    rc=0
    nice -n 10 "$BUILD/tests/fuzz/fuzz_$t" -runs="$RUNS" -max_total_time="$MAX_TIME" "${MAX_LEN[@]}" \
        -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$art" \
        "$work" "tests/fuzz/corpus/$t" >"$log" 2>&1 || rc=$?
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    secs=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
    cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 || true)
    echo "fuzz $t: exit $rc, ${runs:-?} executions, ${secs:-?} exec/s, ${cov:-cov ?}, log $log"
    [ "$rc" -eq 0 ] || status=1
done
exit $status
