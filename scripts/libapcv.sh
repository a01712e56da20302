#!/usr/bin/env bash
# scripts/libapcv.sh [--out DIR] [GOOS/GOARCH ...] — builds libapcv, the C
# library (go build -buildmode=c-shared ./libapcv), with its header.
#
#   DIR/<os>_<arch>/libapcv.so      linux    (cgo: gcc; libpcsclite1 at run time)
#   DIR/<os>_<arch>/apcv.dll        windows  (mingw-w64 from Debian:
#                                   gcc-mingw-w64-x86-64, gcc-mingw-w64-i686;
#                                   PC/SC through winscard.dll) and apcv.def,
#                                   its exports, for MSVC's lib /def:apcv.def
#   DIR/<os>_<arch>/libapcv.dylib   darwin   (only on a Mac: cgo needs Apple's
#                                   toolchain, which no Linux host has)
#   DIR/<os>_<arch>/apcv.h          the header (libapcv/apcv.h; the header go
#                                   build writes next to the library is dropped)
#
# Only the apcv_* functions are exported (libapcv/exports.map on Linux, the
# exported-symbols list on macOS; Go exports only //export functions from a
# Windows DLL). Default DIR: dist/libapcv; default target: this machine.
# Targets: linux/amd64 (and linux/arm64 on an arm64 host), windows/amd64,
# windows/386, darwin/amd64, darwin/arm64. A target that cannot be built here
# fails with the reason (exit 2), after the others are built.
set -euo pipefail
cd "$(dirname "$0")/.."
GO=${GO:-go}

out=dist/libapcv
if [ "${1:-}" = "--out" ]; then
	out=$2
	shift 2
fi
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
	targets=("$($GO env GOOS)/$($GO env GOARCH)")
fi
hostos=$($GO env GOHOSTOS) hostarch=$($GO env GOHOSTARCH)
root=$PWD
status=0
for t in "${targets[@]}"; do
	goos=${t%/*} goarch=${t#*/}
	ldflags="${APCV_LIBAPCV_LDFLAGS:-}"
	case $goos/$goarch in
	linux/*)
		if [ "$goarch" != "$hostarch" ] || [ "$hostos" != linux ]; then
			echo "libapcv: $t: build it on a linux/$goarch host (cgo and libpcsclite for $goarch are needed)" >&2
			status=2
			continue
		fi
		cc=${CC:-gcc} lib=libapcv.so
		ldflags="$ldflags -extldflags=-Wl,--version-script=$root/libapcv/exports.map"
		;;
	windows/amd64) cc=x86_64-w64-mingw32-gcc lib=apcv.dll ;;
	windows/386) cc=i686-w64-mingw32-gcc lib=apcv.dll ;;
	darwin/amd64 | darwin/arm64)
		if [ "$hostos" != darwin ]; then
			echo "libapcv: $t: libapcv.dylib is built on a Mac only (cgo needs Apple's toolchain and SDK; none exists for Linux)" >&2
			status=2
			continue
		fi
		cc=${CC:-clang} lib=libapcv.dylib
		ldflags="$ldflags -extldflags=-Wl,-exported_symbols_list,$root/libapcv/exports.darwin"
		;;
	*)
		echo "libapcv: $t: not a target (linux, windows and darwin only)" >&2
		status=2
		continue
		;;
	esac
	if ! command -v "$cc" >/dev/null; then
		echo "libapcv: $t: no C compiler $cc (on Debian: apt-get install gcc-mingw-w64-x86-64 gcc-mingw-w64-i686)" >&2
		status=2
		continue
	fi
	dir=$out/${goos}_${goarch}
	tmp=$(mktemp -d)
	mkdir -p "$dir"
	start=$SECONDS
	if ! CGO_ENABLED=1 GOOS=$goos GOARCH=$goarch CC=$cc $GO build -trimpath -buildmode=c-shared \
		-ldflags "$ldflags" -o "$tmp/$lib" ./libapcv; then
		rm -rf "$tmp"
		echo "libapcv: $t: build failed" >&2
		status=1
		continue
	fi
	mv "$tmp/$lib" "$dir/$lib"
	rm -rf "$tmp" # and with it the header go build generated
	cp libapcv/apcv.h "$dir/apcv.h"
	if [ "$goos" = windows ]; then
		{
			echo "LIBRARY apcv.dll"
			echo "EXPORTS"
			sed 's/^/    /' libapcv/abi/symbols.txt
		} >"$dir/apcv.def"
	fi
	echo "libapcv: $dir/$lib ($((SECONDS - start)) s)"
done
exit $status
