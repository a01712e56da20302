#!/usr/bin/env bash
# scripts/cross.sh — build and vet apcvkit for every platform a desk runs.
#
# For each target below it runs, and fails on any error:
#   go list   every package of the module must have Go files there (no
#             package silently dropped by its build constraints; packages
#             of tests only are tested, not built);
#   go build  ./... (all packages) and cmd/apcv linked into a binary;
#   go vet    ./... (test files included).
#
# Exclusions: none. Every package of the module (the SDK: apdu, credential,
# nfc/..., qrscan/..., reader/...; cmd/apcv; the emulator, examples and
# benchmarks) builds and vets on every target. What a target lacks is a
# typed error at run time, never a build break:
#   - PC/SC on Linux and macOS is C (libpcsclite, the PCSC framework) and
#     needs cgo; cross-compiled here without cgo, nfc/pcsc fails with
#     pcsc.ErrNotBuilt. Windows needs no cgo: ebfe/scard calls winscard.dll.
#   - USB HID through libusb (gousb) is built only with -tags usb (the
#     Makefile passes it on Linux); elsewhere usb.ErrNotBuilt.
#   - The emulator's serial-scanner pty exists on Linux and macOS only;
#     on Windows serialpty.Open fails with serialpty.ErrUnsupported.
#
# linux/amd64 is this machine: it is checked twice, as make test builds it
# (cgo, -tags usb) and as a plain go build on a Linux desk (cgo, no tag).
# The no-cgo Linux build (nfc/pcsc's ErrNotBuilt) is checked on
# linux/arm64: with cgo it needs an aarch64 cross compiler and arm64
# libpcsclite (Debian multiarch), which this script does not install (see
# README, "Platforms"). darwin cannot be built with cgo off a Mac.
#
# Usage: scripts/cross.sh [GOOS/GOARCH ...]   (default: all targets)
set -euo pipefail
cd "$(dirname "$0")/.."
GO=${GO:-go}

# target  cgo  tags
matrix=(
	"linux/amd64   1 usb"
	"linux/amd64   1 -"
	"linux/arm64   0 -"
	"windows/amd64 0 -"
	"windows/386   0 -"
	"darwin/arm64  0 -"
	"darwin/amd64  0 -"
)

want=("$@")
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
status=0
printf '%-14s %-4s %-5s %-6s %-6s %s\n' target cgo tags build vet seconds
for row in "${matrix[@]}"; do
	read -r target cgo tags <<<"$row"
	if ((${#want[@]})) && [[ " ${want[*]} " != *" $target "* ]]; then
		continue
	fi
	goos=${target%/*} goarch=${target#*/}
	flags=()
	[[ $tags != - ]] && flags=(-tags "$tags")
	log="$out/${goos}_${goarch}_${cgo}.log"
	start=$SECONDS
	build=ok vet=ok
	export GOOS=$goos GOARCH=$goarch CGO_ENABLED=$cgo
	# Packages whose every file is excluded on this target (a package of
	# tests only, such as the non-Go clients' examples/web, has no file to
	# exclude: it is tested, not built).
	dropped=$($GO list -e "${flags[@]}" -f '{{if and (not .GoFiles) .IgnoredGoFiles}}{{.ImportPath}}{{end}}' ./... 2>>"$log") || build=FAIL
	if [[ -n $dropped ]]; then
		echo "no Go files for $target: $dropped" >>"$log"
		build=FAIL
	fi
	$GO build "${flags[@]}" ./... >>"$log" 2>&1 || build=FAIL
	exe=apcv
	[[ $goos == windows ]] && exe=apcv.exe
	$GO build "${flags[@]}" -o "$out/$exe" ./cmd/apcv >>"$log" 2>&1 || build=FAIL
	rm -f "$out/$exe"
	$GO vet "${flags[@]}" ./... >>"$log" 2>&1 || vet=FAIL
	unset GOOS GOARCH CGO_ENABLED
	printf '%-14s %-4s %-5s %-6s %-6s %d\n' "$target" "$cgo" "$tags" "$build" "$vet" $((SECONDS - start))
	if [[ $build != ok || $vet != ok ]]; then
		status=1
		sed 's/^/    /' "$log" >&2
	fi
done
if ((status)); then
	echo "cross.sh: a target does not build or vet (log above)" >&2
fi
exit $status
