#!/bin/sh
# Installs the Debian packages paced needs to build and test, when they are
# missing. As root on Debian it runs apt-get; otherwise it prints the exact
# command and fails, so a build never half-works on a machine without them.
# With arguments it does the same for those packages instead (the
# benchmarks' own tools: sh tools/deps.sh wrk nginx-light).
set -eu

pkgs="build-essential pkg-config libuv1-dev libhttp-parser-dev
libcurl4-openssl-dev libsqlite3-dev libjansson-dev libinih-dev libsystemd-dev
libssl-dev libcmocka-dev python3 sqlite3 curl tzdata
python3-aiosmtpd prometheus-alertmanager prometheus systemd man-db valgrind
e2fsprogs chromium clang libclang-rt-dev"
[ $# -gt 0 ] && pkgs="$*"

missing=""
for p in $pkgs; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
		grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done
[ -z "$missing" ] && exit 0

if ! command -v dpkg-query >/dev/null 2>&1; then
	echo "paced: not a Debian system; install the equivalents of:$missing" >&2
	exit 1
fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
	echo "paced: installing missing packages:$missing" >&2
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	# shellcheck disable=SC2086
	apt-get install -y -qq --no-install-recommends $missing >&2
	exit 0
fi
echo "paced: missing packages. Run:" >&2
echo "  sudo apt-get install$missing" >&2
exit 1
