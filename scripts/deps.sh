#!/usr/bin/env bash
# deps.sh [--list] demo|test|bench|libapcv — installs the Debian packages a target
# needs, only those missing. Idempotent; needs root (or sudo) only when
# something is missing. With --list, prints the target's packages, one a
# line, and installs nothing (internal/testdeps checks the test list against
# what the tests probe).
#
#   demo   cgo headers the CLI links against (PC/SC, libusb)
#   test   everything the suite needs: pcscd and the vpcd virtual reader,
#          PC/SC tools, QR peers (zbar, zxing-cpp, qrencode) and the
#          compilers and development files the peer harness builds with,
#          systemd (systemd-analyze verify checks the agent's unit file),
#          and the non-Go clients of apcv agent and libapcv: headless
#          chromium, python3, curl, the C# compiler and runtime (mono)
#   bench  the same as test
#   libapcv  what scripts/libapcv.sh builds the C library with (gcc, PC/SC
#          headers, mingw-w64 for the Windows DLLs)
set -euo pipefail

demo=(pkg-config gcc libpcsclite-dev libusb-1.0-0-dev)
test=("${demo[@]}" pcscd vsmartcard-vpcd pcsc-tools zbar-tools zxing-cpp-tools qrencode g++ libzxing-dev libzbar-dev)
# libapcv's tests: its C clients (gcc, above), its Python ctypes client, and
# its Windows DLLs built with mingw-w64 (windows/amd64, windows/386).
test+=(python3 gcc-mingw-w64-x86-64 gcc-mingw-w64-i686)
test+=(systemd) # systemd-analyze verify checks apcv agent's unit file (cmd/apcv)
test+=(chromium curl mono-mcs mono-runtime) # the non-Go clients of apcv agent and libapcv (examples/web, agent-python, agent-curl, csharp; python3 above)
bench=("${test[@]}")
libapcv=("${demo[@]}" gcc-mingw-w64-x86-64 gcc-mingw-w64-i686)

list=0
if [ "${1:-}" = "--list" ]; then
	list=1
	shift
fi
case "${1:-}" in
demo) want=("${demo[@]}") ;;
test) want=("${test[@]}") ;;
bench) want=("${bench[@]}") ;;
libapcv) want=("${libapcv[@]}") ;;
*) echo "usage: $0 [--list] demo|test|bench|libapcv" >&2; exit 64 ;;
esac
if [ $list = 1 ]; then
	printf '%s\n' "${want[@]}"
	exit 0
fi

missing=()
for p in "${want[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "deps: installing ${missing[*]}" >&2
sudo=""
[ "$(id -u)" -ne 0 ] && sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
