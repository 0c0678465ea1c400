#!/usr/bin/env bash
# Installs what a fresh Debian 12 machine lacks to build, test and run dnasync.
# As root it runs apt-get; otherwise it prints the exact apt line and fails.
set -euo pipefail

PKGS=(build-essential cmake pkg-config git
      libopendht-dev libopendht-c-dev dhtnode
      libsqlite3-dev sqlite3 libssl-dev zlib1g-dev libmsgpack-dev
      libjansson-dev libmicrohttpd-dev libcurl4-openssl-dev
      iproute2 nftables iptables valgrind python3)
# Node.js and npm run the ML-KEM cross-check and the web client tests.
command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 || PKGS+=(nodejs npm)
# Debian's chromium runs the web device's browser tests (headless); DNASYNC_WITH_BROWSER=0 leaves it
# out (those tests then skip with a message).
if [ "${DNASYNC_WITH_BROWSER:-1}" = 1 ]; then PKGS+=(chromium); fi

missing=()
for p in "${PKGS[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

line="apt-get install -y --no-install-recommends ${missing[*]}"
if [ "$(id -u)" -ne 0 ]; then
    echo "dnasync: missing Debian packages: ${missing[*]}" >&2
    echo "dnasync: run as root:  apt-get update && $line" >&2
    exit 1
fi
echo "dnasync: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
