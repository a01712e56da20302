#!/usr/bin/env bash
# fuzz-pass.sh [FUZZTIME]
#
# A short pass of every fuzz target of the module: each Fuzz function found by
# `go test -list '^Fuzz'` runs for FUZZTIME (default 3s; APCV_FUZZTIME also
# sets it), one package and one target at a time, on at most 2 workers, so
# the whole pass stays within about 5 minutes on 2 cores (52 targets today:
# about 3 s of build and 3 s of fuzzing each).
# It fails at the first crasher: go test writes the failing input under the
# package's testdata/fuzz/FuzzXxx/, to be committed with the fix as a seed.
#
#   scripts/fuzz-pass.sh            # the CI pass (.ci/run)
#   scripts/fuzz-pass.sh 45s        # a longer pass by hand
set -euo pipefail
cd "$(dirname "$0")/.."
GO=${GO:-go}
fuzztime=${1:-${APCV_FUZZTIME:-3s}}

pkgs=$(grep -rl --include='*_test.go' '^func Fuzz' . | xargs -n1 dirname | sort -u)
bin=$(mktemp -d /tmp/fuzz-pass.XXXXXX)
trap 'rm -rf "$bin"' EXIT
cache=$($GO env GOCACHE)/fuzz
total=0 start=$SECONDS
for dir in $pkgs; do
	pkg=$($GO list "$dir")
	targets=$($GO test -list '^Fuzz' "$dir" | grep '^Fuzz' || true)
	[ -n "$targets" ] || continue
	# One instrumented build per package (go test -fuzz would build once per
	# target), then each target from the package's directory, so that its
	# seed corpus (testdata/fuzz) is read and a crasher written there.
	$GO test -c -fuzz=. -o "$bin/fuzz.test" "$dir"
	for target in $targets; do
		echo "fuzz-pass: $pkg $target ($fuzztime)"
		for try in 1 2; do
			before=$(ls "$dir/testdata/fuzz/$target" 2>/dev/null | sort || true)
			if (cd "$dir" && "$bin/fuzz.test" -test.run='^$' -test.fuzz="^${target}\$" -test.fuzztime="$fuzztime" \
				-test.parallel=2 -test.fuzzcachedir="$cache/$pkg") >"$bin/log" 2>&1; then
				break
			fi
			after=$(ls "$dir/testdata/fuzz/$target" 2>/dev/null | sort || true)
			# Go's fuzz coordinator (before go1.27, golang/go#75804) can
			# fail a run as its -fuzztime deadline fires, with the bare
			# message "context deadline exceeded" and no input written. That
			# is retried once; a crasher always writes its input, and any
			# other failure fails the pass at once.
			if [ "$try" -eq 1 ] && [ "$before" = "$after" ] &&
				grep -A1 -- "--- FAIL: $target " "$bin/log" | tail -n1 | grep -qx '[[:space:]]*context deadline exceeded'; then
				echo "fuzz-pass: $pkg $target: the fuzzing engine's deadline race (no input written); running it again" >&2
				continue
			fi
			cat "$bin/log"
			echo "fuzz-pass: $pkg $target FAILED (a failing input, if any, is under $dir/testdata/fuzz/$target/)" >&2
			exit 1
		done
		total=$((total + 1))
	done
done
if [ "$total" -eq 0 ]; then
	echo "fuzz-pass: no fuzz target found" >&2
	exit 1
fi
echo "fuzz-pass: $total targets, ${fuzztime} each, no crasher, $((SECONDS - start)) s"
