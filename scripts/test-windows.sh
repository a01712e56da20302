#!/usr/bin/env bash
# test-windows.sh — builds the Windows (amd64) test binary of every package
# and runs it under Wine, from the package's folder (tests read testdata/
# by relative path). Prints one line per package, go-test style, and a
# summary line; exits non-zero on any failure, including a package that no
# longer builds for Windows and is not listed below with a reason.
#
# Installs what it needs when missing (Debian 12: wine64, wine, mingw-w64
# binutils, without recommends: 104 MB to download, 690 MB installed, so
# `make test` does not do it) and keeps a Wine prefix (~700 MB) and the
# binaries under $APCV_WINE_CACHE (default ~/.cache/apcvkit/wine). No
# display is needed: DISPLAY is unset, and Go test binaries open no window.
#
# One run at a time per cache: a second run waits for the first (at most
# APCV_WINE_LOCK_WAIT seconds, default 1800). Two runs sharing the cache
# used to delete each other's test binaries and logs (each starts afresh)
# and kill each other's Wine (wineserver -k at the end): Wine then failed to
# start a binary that had vanished, "wine: failed to open ...", exit 53,
# reported as a package failure. Wine's exit 53 with that message is still
# retried once, and said so, in case something else removes a binary.
#
# Between two packages no Wine process runs, and a wineserver exits 3 s
# after its last client: a binary started at that moment met a server on
# its way out, "wine client error:0: recvmsg: Connection reset by peer",
# exit 1 before any test ran (CI, benchmarks/cmd/budget). One persistent
# wineserver (-p) now serves the whole run and is killed at its end; a
# binary that still fails that way, with a Wine client error and no test
# started (no "=== RUN" line), is retried once, and said so. Any other
# failure is the test binary's and is never retried.
#
# windows/386 is not run: Debian's wine32 needs the i386 architecture added
# to dpkg, which makes every apt-get update on the machine fetch i386
# indexes too (and fail when that mirror is mid-sync, as seen here); the
# cross-compile matrix builds and vets 386 instead.
#
#   scripts/test-windows.sh            every package
#   scripts/test-windows.sh ./reader/... ./emulator/store
set -euo pipefail
cd "$(dirname "$0")/.."
GO=${GO:-go}
cache=${APCV_WINE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/apcvkit/wine}
goarch=amd64

# Packages whose Windows test binary builds but cannot run here, and why.
# None today: the tests that need pcscd and vpcd (Linux/macOS components)
# skip inside their packages with the reason (internal/pcsctest), and
# nfc/pcsc's TestWinscard checks the winscard.dll path instead (a stub
# under Wine 8: SCardEstablishContext answers 0x80100001).
declare -A norun=(
)

# Packages that do not build for Windows yet, and why. None today: every
# package builds for windows/amd64 (the cross-compile matrix checks it too).
# Any build failure fails the run; a listed package that builds is run as
# usual (and the run says the entry is stale).
declare -A nobuild=(
)

# --- what the harness needs -------------------------------------------------

want=(wine64 wine binutils-mingw-w64-x86-64)
missing=()
for p in "${want[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	echo "test-windows: installing ${missing[*]}" >&2
	sudo=""
	[ "$(id -u)" -ne 0 ] && sudo="sudo"
	export DEBIAN_FRONTEND=noninteractive
	$sudo apt-get -o DPkg::Lock::Timeout=900 update -qq
	$sudo apt-get -o DPkg::Lock::Timeout=900 install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

export WINEPREFIX="$cache/prefix-$goarch"
export WINEDEBUG=-all
# No Mono/Gecko download prompt at prefix creation (Go binaries need neither).
export WINEDLLOVERRIDES="mscoree,mshtml="
export WINEARCH=win64
unset DISPLAY WAYLAND_DISPLAY
mkdir -p "$cache"

# One run at a time on this cache (see the top). Wine and its wineserver
# do not inherit the lock (9>&-): a wineserver left running must not keep
# the next run waiting.
exec 9>>"$cache/lock"
if ! flock -n 9; then
	echo "test-windows: another run holds $cache/lock; waiting (at most ${APCV_WINE_LOCK_WAIT:-1800} s)" >&2
	if ! flock -w "${APCV_WINE_LOCK_WAIT:-1800}" 9; then
		echo "test-windows: gave up waiting for $cache/lock" >&2
		exit 3
	fi
fi

# bcryptprimitives.dll: Wine 8.0 has none, and Go 1.22+ binaries import
# ProcessPrng from it (see scripts/wine/bcryptprimitives.s).
dll="$cache/bcryptprimitives.dll"
src=(scripts/wine/bcryptprimitives.s scripts/wine/bcryptprimitives.def scripts/wine/advapi32.def)
if [ ! -s "$dll" ] || [ -n "$(find "${src[@]}" -newer "$dll")" ]; then
	b="$cache/build"
	rm -rf "$b" && mkdir -p "$b"
	x86_64-w64-mingw32-dlltool -d scripts/wine/advapi32.def -l "$b/libadvapi32.a"
	x86_64-w64-mingw32-as -o "$b/bcryptprimitives.o" scripts/wine/bcryptprimitives.s
	x86_64-w64-mingw32-ld --dll -e DllMain --subsystem windows -s \
		-o "$b/bcryptprimitives.dll" "$b/bcryptprimitives.o" \
		scripts/wine/bcryptprimitives.def "$b/libadvapi32.a"
	mv "$b/bcryptprimitives.dll" "$dll"
fi

if [ ! -f "$WINEPREFIX/system.reg" ]; then
	echo "test-windows: creating the Wine prefix $WINEPREFIX" >&2
	wineboot -i >/dev/null 2>&1 9>&-
	wineserver -w 9>&-
fi
sys32="$WINEPREFIX/drive_c/windows/system32"
cmp -s "$dll" "$sys32/bcryptprimitives.dll" || cp "$dll" "$sys32/bcryptprimitives.dll"

# One wineserver for the whole run (see the top): a leftover one (of a run
# that was killed; the lock is ours) goes first, and is waited for (-k
# returns before the old server lets go of the prefix). It inherits neither
# the lock nor this script's stderr (a reader of which would wait for the
# server to end): its messages go to wineserver.log. The trap is set first,
# so that no path leaves it running.
wineserver -k 2>/dev/null 9>&- || true
wineserver -w 2>/dev/null 9>&- || true
trap 'wineserver -k 2>/dev/null 9>&- || true' EXIT
if ! wineserver -p 9>&- 2>>"$cache/wineserver.log"; then
	echo "test-windows: could not start a wineserver for $WINEPREFIX (see $cache/wineserver.log)" >&2
	exit 1
fi

# t.TempDir cleanup, os.RemoveAll and os.Root delete through Deleteat, which
# asks NtSetInformationFile for FileDispositionInformationEx (POSIX delete,
# Windows 10 1607+). Wine 8 does not implement that class and answers
# STATUS_NOT_IMPLEMENTED, which Go does not count among the "not supported"
# answers that send it to its fallback (the classic FileDispositionInfo, the
# path Go takes on FAT32 and older Windows), so every TempDir cleanup fails
# with "Invalid function". The test binaries are built with an overlay that
# adds STATUS_NOT_IMPLEMENTED to that list: nothing else of Go changes, and
# on real Windows the overlay's extra case is never reached.
goroot=$($GO env GOROOT)
at="$goroot/src/internal/syscall/windows/at_windows.go"
overlay="$cache/overlay"
mkdir -p "$overlay"
sed '/^\t\tSTATUS_NOT_SUPPORTED: .*FILE_DISPOSITION_INFORMATION_EX/i\
\t\tNTStatus(0xC0000002), // STATUS_NOT_IMPLEMENTED: Wine 8 (apcvkit scripts/test-windows.sh)' \
	"$at" >"$overlay/at_windows.go"
if ! grep -q 'NTStatus(0xC0000002)' "$overlay/at_windows.go"; then
	echo "test-windows: $at changed: update the Deleteat overlay in $0" >&2
	exit 1
fi
printf '{"Replace":{"%s":"%s"}}\n' "$at" "$overlay/at_windows.go" >"$overlay/overlay.json"

# --- build and run -------------------------------------------------------------

[ $# -eq 0 ] && set -- ./...
bin="$cache/bin"
logs="$cache/logs"
rm -rf "$bin" "$logs"
mkdir -p "$bin" "$logs"

# Packages with tests, and packages go list cannot load for Windows (such
# as one whose files all became unix-only): those fail to build below
# rather than drop out of the run unseen.
export GOOS=windows GOARCH=$goarch CGO_ENABLED=0
mapfile -t pkgs < <($GO list -e -f '{{if or .TestGoFiles .XTestGoFiles .Error}}{{.ImportPath}} {{.Dir}}{{end}}' "$@")
unset GOOS GOARCH CGO_ENABLED

pass=0 fail=0 skipped=0 failed=()
for line in "${pkgs[@]}"; do
	pkg=${line%% *} dir=${line#* }
	name=${pkg#github.com/apcvkit/apcvkit/}
	exe="$bin/${name//\//_}.test.exe"
	log="$logs/${name//\//_}.log"
	if ! GOOS=windows GOARCH=$goarch CGO_ENABLED=0 $GO test -c -overlay "$overlay/overlay.json" -o "$exe" "$pkg" >"$log" 2>&1; then
		if [ -n "${nobuild[$pkg]:-}" ]; then
			printf -- '--- NOBUILD %s (%s)\n' "$pkg" "${nobuild[$pkg]}"
			skipped=$((skipped + 1))
		else
			printf 'FAIL\t%s [build failed]\n' "$pkg"
			sed 's/^/    /' "$log"
			fail=$((fail + 1)) failed+=("$name")
		fi
		continue
	fi
	[ -n "${nobuild[$pkg]:-}" ] && echo "test-windows: $pkg builds for windows now: remove it from nobuild" >&2
	if [ -n "${norun[$pkg]:-}" ]; then
		printf -- '--- NORUN %s (%s)\n' "$pkg" "${norun[$pkg]}"
		skipped=$((skipped + 1))
		continue
	fi
	start=$EPOCHREALTIME
	rc=0
	(cd "$dir" && timeout 900 wine "$exe" -test.v -test.count=1 -test.timeout=10m) >"$log" 2>&1 9>&- || rc=$?
	# Exit 53 with "wine: failed to open" (the binary was not there), or a
	# Wine client error before any test started, is Wine not starting the
	# binary, not a test's verdict: rebuild if needed, and retry once,
	# saying so.
	winefail='^wine: failed to open|^wine client error'
	if [ $rc -ne 0 ] && ! grep -q '^=== RUN' "$log" && grep -Eq "$winefail" "$log"; then
		echo "test-windows: $pkg: Wine could not start the test binary ($(grep -E -m1 "$winefail" "$log")); retrying once" >&2
		[ -f "$exe" ] || GOOS=windows GOARCH=$goarch CGO_ENABLED=0 $GO test -c -overlay "$overlay/overlay.json" -o "$exe" "$pkg" >"$log" 2>&1 || true
		rc=0
		(cd "$dir" && timeout 900 wine "$exe" -test.v -test.count=1 -test.timeout=10m) >"$log" 2>&1 9>&- || rc=$?
	fi
	secs=$(awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.2f", b - a }')
	if [ $rc -eq 0 ]; then
		# Top-level tests that passed; skips of tests and subtests alike.
		printf 'ok  \t%s\t%ss\t(%s passed, %s skipped)\n' "$pkg" "$secs" \
			"$(grep -c '^--- PASS' "$log" || true)" "$(grep -c -- '--- SKIP' "$log" || true)"
		pass=$((pass + 1))
	else
		printf 'FAIL\t%s\t%ss\t(exit %d)\n' "$pkg" "$secs" "$rc"
		# A log without such lines (Wine's own failure) must not end the
		# run here (set -e, pipefail): show its last lines instead.
		grep -E -- '--- FAIL|^\s+\S+\.go:[0-9]+:|panic|FAIL|^wine: ' "$log" | head -40 | sed 's/^/    /' || tail -5 "$log" | sed 's/^/    /' || true
		fail=$((fail + 1)) failed+=("$name")
	fi
done

echo "test-windows: windows/$goarch under $(wine --version): $pass passed, $fail failed, $skipped not run (logs in $logs)"
[ $fail -eq 0 ] || { echo "test-windows: FAIL ${failed[*]}"; exit 1; }
