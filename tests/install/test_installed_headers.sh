#!/bin/sh
# test_installed_headers: the headers `make install` puts in include/dnasync are the product API
# and nothing else (issue 15 item 5). Each compiles alone from the installed tree (C11 and C++17),
# and the functions they declare are exactly tests/abi/exported.txt -- the list test_abi_exports
# holds `nm -D libdnasync.so` to. A layer header installed, a layer function declared in a public
# header, or a public function the library does not export fails here.
#   test_installed_headers.sh BUILD_DIR EXPORTED_TXT CC CXX
set -eu
build=$1 list=$2 cc=$3 cxx=$4
tmp=$(mktemp -d "${TMPDIR:-/tmp}/dnasync-headers.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
fail() {
    echo "test_installed_headers: FAIL: $*" >&2
    exit 1
}

cmake --install "$build" --prefix "$tmp/prefix" >"$tmp/install.log" ||
    fail "cmake --install failed: $(cat "$tmp/install.log")"
inc=$tmp/prefix/include
[ -f "$inc/dnasync/sync_protocol.h" ] || fail "no include/dnasync/sync_protocol.h installed"
: >"$tmp/declared"
for h in "$inc"/dnasync/*.h; do
    name=dnasync/$(basename "$h")
    printf '#include <%s>\n' "$name" >"$tmp/one.c"
    "$cc" -std=c11 -Wall -Wextra -Werror -I"$inc" -fsyntax-only -aux-info "$tmp/one.aux" \
        "$tmp/one.c" 2>"$tmp/cc.err" || fail "$name does not compile alone: $(cat "$tmp/cc.err")"
    cp "$tmp/one.c" "$tmp/one.cpp"
    "$cxx" -std=c++17 -Wall -Wextra -Werror -I"$inc" -fsyntax-only "$tmp/one.cpp" \
        2>"$tmp/cc.err" || fail "$name does not compile alone as C++: $(cat "$tmp/cc.err")"
    # -aux-info: one line per declared function, "/* FILE:LINE:NC */ extern T NAME (ARGS);"
    grep "^/\* $inc/dnasync/" "$tmp/one.aux" |
        sed -n 's/^\/\*[^*]*\*\/ [^(]*[^A-Za-z0-9_]\([A-Za-z_][A-Za-z0-9_]*\) (.*/\1/p' \
            >>"$tmp/declared"
done
sort -u "$tmp/declared" >"$tmp/declared.sorted"
grep -v '^#' "$list" | grep . | sort -u >"$tmp/exported.sorted"
extra=$(comm -23 "$tmp/declared.sorted" "$tmp/exported.sorted" | tr '\n' ' ')
missing=$(comm -13 "$tmp/declared.sorted" "$tmp/exported.sorted" | tr '\n' ' ')
[ -z "$extra" ] || fail "declared in installed headers but not exported (tests/abi/exported.txt): $extra"
[ -z "$missing" ] || fail "exported but declared in no installed header: $missing"
echo "test_installed_headers: ok, $(wc -l <"$tmp/declared.sorted") functions in $(find "$inc/dnasync" -name "*.h" | wc -l) headers"
