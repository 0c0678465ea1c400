#!/bin/sh
# test_examples_install: what `make install` puts on a machine is enough to build and run the
# examples (issue 15 item 5). Installs the build into a temporary prefix (first staged under
# DESTDIR: nothing may land outside the prefix), checks every installed piece, builds each
# examples/*.c with `pkg-config --cflags --libs dnasync` alone and runs it against the installed
# library and command.
#   test_examples_install.sh BUILD_DIR SOURCE_DIR LIBDIR CC [EXTRA_CFLAGS]
set -eu
build=$1 src=$2 libdir=$3 cc=$4 extra=${5:-}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/dnasync-install.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
prefix=$tmp/prefix
fail() {
    echo "test_examples_install: FAIL: $*" >&2
    exit 1
}
step() { echo "-- $*"; }

step "staged install (DESTDIR) into $prefix"
DESTDIR=$tmp/stage cmake --install "$build" --prefix "$prefix" >"$tmp/stage.log" ||
    fail "cmake --install with DESTDIR failed: $(cat "$tmp/stage.log")"
outside=$(find "$tmp/stage" ! -type d | grep -v "^$tmp/stage$prefix/" || true)
[ -z "$outside" ] || fail "installed outside the prefix $prefix: $outside"

step "install into $prefix"
cmake --install "$build" --prefix "$prefix" >"$tmp/install.log" ||
    fail "cmake --install failed: $(cat "$tmp/install.log")"
for f in "$libdir/libdnasync.so" "$libdir/libdnasync.a" "$libdir/pkgconfig/dnasync.pc" \
    include/dnasync/sync_protocol.h include/dnasync/home.h bin/dnasync \
    share/man/man1/dnasync.1 share/man/man1/dnasync-node.1 \
    share/bash-completion/completions/dnasync lib/systemd/user/dnasync.service \
    lib/systemd/system/dnasync-node.service etc/default/dnasync-node; do
    [ -e "$prefix/$f" ] || fail "not installed: $f"
done
# The units and dnasync.pc name the prefix they were installed to.
grep -qx "ExecStart=$prefix/bin/dnasync daemon" "$prefix/lib/systemd/user/dnasync.service" ||
    fail "dnasync.service does not run $prefix/bin/dnasync: $(grep ExecStart "$prefix/lib/systemd/user/dnasync.service")"
unit=$prefix/lib/systemd/system/dnasync-node.service
grep -qx "ExecStart=$prefix/bin/dnasync node \$DNASYNC_NODE_ARGS" "$unit" ||
    fail "dnasync-node.service does not run $prefix/bin/dnasync: $(grep ExecStart "$unit")"
grep -qx "EnvironmentFile=-$prefix/etc/default/dnasync-node" "$unit" ||
    fail "dnasync-node.service does not read $prefix/etc/default/dnasync-node: $(grep EnvironmentFile "$unit")"
PKG_CONFIG_PATH=$prefix/$libdir/pkgconfig
export PKG_CONFIG_PATH
[ "$(pkg-config --variable=prefix dnasync)" = "$prefix" ] ||
    fail "dnasync.pc says prefix=$(pkg-config --variable=prefix dnasync), installed to $prefix"

step "build examples/*.c with pkg-config only"
mkdir "$tmp/ex"
cp "$src"/examples/*.c "$tmp/ex/" # away from the source tree: no header beside them
cflags=$(pkg-config --cflags dnasync) || fail "pkg-config --cflags dnasync"
libs=$(pkg-config --libs dnasync) || fail "pkg-config --libs dnasync"
for c in "$tmp"/ex/*.c; do
    exe=$tmp/ex/$(basename "$c" .c | tr _ -)
    # shellcheck disable=SC2086 # the flags are word lists
    "$cc" -std=c11 -Wall -Wextra -Werror $extra $cflags "$c" -o "$exe" $libs ||
        fail "$(basename "$c") does not build from the installed files"
done

step "run them against the installed library and command"
LD_LIBRARY_PATH=$prefix/$libdir
export LD_LIBRARY_PATH
ldd "$tmp/ex/dnasync-inbox" | grep -q "$prefix/$libdir/libdnasync.so" ||
    fail "dnasync-inbox does not load the installed libdnasync.so: $(ldd "$tmp/ex/dnasync-inbox")"
home=$tmp/home
"$prefix/bin/dnasync" --home "$home" init alice --offline >/dev/null || fail "installed dnasync init"
"$prefix/bin/dnasync" --home "$home" cache-add --sender bob --recipient alice \
    --text "hello from the installed files" --synced >/dev/null || fail "installed dnasync cache-add"
"$tmp/ex/dnasync-inbox" "$home" >"$tmp/inbox.out" || fail "dnasync-inbox exited $?"
cat "$tmp/inbox.out"
grep -q "^alice: 1 message(s) shown" "$tmp/inbox.out" || fail "dnasync-inbox: no 'alice: 1 message(s)'"
grep -qx "    hello from the installed files" "$tmp/inbox.out" || fail "dnasync-inbox: text not shown"
rc=0
"$tmp/ex/dnasync-inbox" "$tmp/no-such-home" 2>"$tmp/err.out" || rc=$?
[ "$rc" = 1 ] || fail "dnasync-inbox on a missing home exited $rc, want 1"
grep -q "no-such-home" "$tmp/err.out" || fail "dnasync-inbox's error does not name the home: $(cat "$tmp/err.out")"
rc=0
"$tmp/ex/dnasync-rpc" "$tmp/no.sock" status 2>/dev/null || rc=$?
[ "$rc" = 3 ] || fail "dnasync-rpc without a daemon exited $rc, want 3"
echo "test_examples_install: ok"
