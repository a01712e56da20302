#!/usr/bin/env bash
# dist.sh [--check] — builds the release into dist/ (make dist, make dist-check).
#
#   dist/<os>_<arch>/apcv[.exe]        the CLI, one per target below
#   dist/<os>_<arch>/apcv.cdx.json     its SBOM (CycloneDX 1.6 JSON: the Go
#                                      modules linked into that binary)
#   dist/<os>_<arch>/THIRD_PARTY_LICENSES.txt  their licence texts
#   dist/<os>_<arch>/LICENSE, NOTICE   ours
#   dist/<os>_<arch>/libapcv.so, apcv.dll (+ apcv.def), apcv.h, libapcv.cdx.json
#                                      libapcv, the C library (docs/LIBAPCV.md), for
#                                      linux/amd64, windows/amd64 and windows/386
#                                      (macOS: built on a Mac, scripts/libapcv.sh)
#   dist/SHA256SUMS                    sha256sum -c SHA256SUMS checks them all
#
# The version is git describe --tags --always --dirty, linked into
# reader.version (apcv version, reader.Version). Builds are reproducible:
# -trimpath, empty build id, no VCS stamp (the version carries the commit),
# and every setting that changes the output is fixed here rather than taken
# from the environment: CGO per target, GOAMD64/GOARM64/GO386, the local
# toolchain. With --check, it builds everything a second time, from an empty
# build cache, and fails unless the two SHA256SUMS are identical.
#
# Every target must build: one that fails stops the release (nothing is left
# in dist/), so a partial set can never be mistaken for a release.
#
# Environment, for development only:
#   APCV_DIST_TARGETS  "os/arch ..." instead of the table below
#   APCV_DIST_MAIN     the main package (default ./cmd/apcv)
set -euo pipefail
cd "$(dirname "$0")/.."

check=0
case "${1:-}" in
"") ;;
--check) check=1 ;;
*) echo "usage: $0 [--check]" >&2; exit 64 ;;
esac

# target        cgo tags  why
targets=(
	"linux/amd64   1   usb"  # PC/SC through libpcsclite, HID POS through libusb (libpcsclite1, libusb-1.0-0 at run time)
	"linux/arm64   0   -"    # no arm64 C toolchain here: no PC/SC (QR sources only)
	"windows/amd64 0   -"    # PC/SC through winscard.dll, no cgo needed
	"windows/386   0   -"    # 32-bit billing programs; winscard.dll as above
	"darwin/arm64  0   -"    # PC/SC needs cgo and Apple's SDK: no PC/SC from Linux
	"darwin/amd64  0   -"    # same
)
if [ -n "${APCV_DIST_TARGETS:-}" ]; then
	picked=()
	for t in $APCV_DIST_TARGETS; do
		found=""
		for row in "${targets[@]}"; do
			set -- $row
			[ "$1" = "$t" ] && found="$row"
		done
		[ -n "$found" ] || { echo "dist: unknown target $t" >&2; exit 64; }
		picked+=("$found")
	done
	targets=("${picked[@]}")
fi
main=${APCV_DIST_MAIN:-./cmd/apcv}
name=$(basename "$main")

# The SBOM tool, at a pinned version, built for this machine (go run would
# build it for the target's GOOS/GOARCH, which cyclonedx-gomod reads to know
# the target).
sbom_tool=github.com/CycloneDX/cyclonedx-gomod/cmd/cyclonedx-gomod@v1.10.0

version=$(git describe --tags --always --dirty) || {
	echo "dist: git describe failed: a release is built from a git checkout (its version is the commit's)" >&2
	exit 1
}
export GOTOOLCHAIN=local GOFLAGS="-buildvcs=false -mod=readonly" GOAMD64=v1 GOARM64=v8.0 GO386=sse2
unset GOEXPERIMENT CGO_CFLAGS CGO_CPPFLAGS CGO_CXXFLAGS CGO_LDFLAGS CC CXX GOWORK
ldflags="-s -w -buildid= -X github.com/apcvkit/apcvkit/reader.version=$version"

tools=$(mktemp -d)
trap 'rm -rf "$tools"' EXIT
echo "dist: $version: building $sbom_tool" >&2
GOBIN="$tools" GOOS= GOARCH= CGO_ENABLED= go install "$sbom_tool"

# licences BINARY: the licence texts of the modules Go recorded in BINARY
# (MIT and BSD ask for them in binary distributions), and their NOTICE
# files (Apache-2.0 §4(d): go.yaml.in/yaml/v3 has one). A module without a
# licence file fails the release.
licences() {
	local mods p v d f
	mods=$(go version -m "$1" | awk '$1 == "dep" { print $2 }')
	echo "Third-party software in $(basename "$1") $version, with its licence."
	printf '\n%s\n%s %s\n\n' "========================================================================" "Go (runtime and standard library)" "$(go env GOVERSION)"
	cat "$(go env GOROOT)/LICENSE"
	[ -n "$mods" ] || return 0
	go list -m -f '{{.Path}} {{.Version}} {{.Dir}}' $mods | while read -r p v d; do
		f=$(cd "$d" && ls | grep -E -i -m1 '^(licen[cs]e|copying)(\.(md|txt))?$') || {
			echo "$p $v: no licence file in $d" >&2
			return 1
		}
		printf '\n%s\n%s %s\n\n' "========================================================================" "$p" "$v"
		cat "$d/$f"
		if [ -f "$d/NOTICE" ]; then
			printf '\n%s NOTICE:\n\n' "$p"
			cat "$d/NOTICE"
		fi
	done
}

# build OUT: every target into OUT, then OUT/SHA256SUMS.
build() {
	local out=$1 failed=() row t cgo tags goos goarch exe dir log
	for row in "${targets[@]}"; do
		set -- $row
		t=$1 cgo=$2 tags=${3#-} goos=${1%/*} goarch=${1#*/}
		exe=$name
		[ "$goos" = windows ] && exe=$name.exe
		dir="$out/${goos}_$goarch"
		log="$out/.log-${goos}_$goarch"
		mkdir -p "$dir"
		if ! GOOS=$goos GOARCH=$goarch CGO_ENABLED=$cgo go build -trimpath -tags "$tags" -ldflags "$ldflags" -o "$dir/$exe" "$main" >"$log" 2>&1; then
			echo "dist: $t: go build failed:" >&2
			sed 's/^/    /' "$log" >&2
			failed+=("$t")
			continue
		fi
		# libapcv, the C shared library (scripts/libapcv.sh): libapcv.so or
		# apcv.dll (+ apcv.def), with apcv.h, where it can be built from
		# here (cgo: linux/amd64 natively, Windows with mingw-w64; not arm64
		# Linux nor macOS), with the same ldflags and its own SBOM.
		case $t in
		linux/amd64 | windows/amd64 | windows/386)
			if ! APCV_LIBAPCV_LDFLAGS="$ldflags" GO=go scripts/libapcv.sh --out "$out/.libapcv" "$t" >"$log" 2>&1; then
				echo "dist: $t: libapcv failed:" >&2
				sed 's/^/    /' "$log" >&2
				failed+=("$t")
				continue
			fi
			mv "$out/.libapcv/${goos}_$goarch"/* "$dir/"
			rm -rf "$out/.libapcv"
			lib=libapcv.so
			[ "$goos" = windows ] && lib=apcv.dll
			if ! GOOS=$goos GOARCH=$goarch CGO_ENABLED=1 "$tools/cyclonedx-gomod" bin -json -noserial -notimestamp -licenses -std \
				-version "$version" -output "$dir/libapcv.cdx.json" "$dir/$lib" >"$log" 2>&1; then
				echo "dist: $t: libapcv SBOM failed:" >&2
				sed 's/^/    /' "$log" >&2
				failed+=("$t")
				continue
			fi
			;;
		esac
		if ! GOOS=$goos GOARCH=$goarch CGO_ENABLED=$cgo "$tools/cyclonedx-gomod" bin -json -noserial -notimestamp -licenses -std \
			-version "$version" -output "$dir/$name.cdx.json" "$dir/$exe" >"$log" 2>&1; then
			echo "dist: $t: SBOM failed:" >&2
			sed 's/^/    /' "$log" >&2
			failed+=("$t")
			continue
		fi
		if ! licences "$dir/$exe" >"$dir/THIRD_PARTY_LICENSES.txt" 2>"$log"; then
			echo "dist: $t: third-party licences:" >&2
			sed 's/^/    /' "$log" >&2
			failed+=("$t")
			continue
		fi
		cp LICENSE NOTICE "$dir/"
		rm -f "$log"
		echo "dist: $t (CGO_ENABLED=$cgo${tags:+, -tags $tags}): $(du -h "$dir/$exe" | cut -f1)" >&2
	done
	if [ ${#failed[@]} -gt 0 ]; then
		echo "dist: FAILED: ${failed[*]} (nothing released)" >&2
		return 1
	fi
	(cd "$out" && find . -type f ! -name SHA256SUMS | sed 's|^\./||' | LC_ALL=C sort | xargs sha256sum >SHA256SUMS)
}

rm -rf dist # a failed run leaves no dist/ to be taken for this version's
first=$(mktemp -d dist.new.XXXXXX)
trap 'rm -rf "$tools" dist.new.*' EXIT
build "$first"
if [ $check = 1 ]; then
	second=$(mktemp -d dist.new.XXXXXX)
	# The second build compiles everything again, in a cache of its own,
	# instead of relinking the first one's objects.
	GOCACHE="$tools/gocache" build "$second"
	if ! diff -u "$first/SHA256SUMS" "$second/SHA256SUMS" >&2; then
		echo "dist: NOT REPRODUCIBLE: two builds of $version differ (above)" >&2
		exit 1
	fi
	echo "dist: reproducible: two builds of $version have the same SHA256SUMS" >&2
fi
rm -rf dist
mv "$first" dist
chmod 755 dist
echo "dist: $version in dist/:" >&2
(cd dist && sha256sum -c --quiet SHA256SUMS && ls -l */* SHA256SUMS | awk '{printf "  %10d  %s\n", $5, $NF}') >&2
