#!/usr/bin/env bash
# deps.sh demo|test|bench — installs the Debian packages a target needs,
# only those missing. Idempotent; needs root (or sudo) only when something
# is missing.
#
#   demo   cgo headers the CLI links against (PC/SC, libusb)
#   test   + pcscd and the vpcd virtual reader, PC/SC tools, QR peers
#   bench  + zxing-cpp and zbar development files for the peer harness
set -euo pipefail

demo=(pkg-config gcc libpcsclite-dev libusb-1.0-0-dev)
test=("${demo[@]}" pcscd vsmartcard-vpcd pcsc-tools zbar-tools zxing-cpp-tools qrencode)
bench=("${test[@]}" g++ libzxing-dev libzbar-dev)

case "${1:-}" in
demo) want=("${demo[@]}") ;;
test) want=("${test[@]}") ;;
bench) want=("${bench[@]}") ;;
*) echo "usage: $0 demo|test|bench" >&2; exit 64 ;;
esac

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
