#!/usr/bin/env bash
# fuzz-pass.sh [FUZZTIME]
#
# A short pass of every fuzz target of the module: each Fuzz function found by
# `go test -list '^Fuzz'` runs for FUZZTIME (default 3s; APCV_FUZZTIME also
# sets it), one package and one target at a time, on at most 2 workers, so
# the whole pass stays within about 5 minutes on 2 cores (41 targets today).
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
total=0 start=$SECONDS
for dir in $pkgs; do
	targets=$($GO test -list '^Fuzz' "$dir" | grep '^Fuzz' || true)
	for target in $targets; do
		echo "fuzz-pass: $dir $target ($fuzztime)"
		# -run=^$: the unit tests ran in the suite already; only the target.
		$GO test -run='^$' -fuzz="^${target}\$" -fuzztime="$fuzztime" -parallel=2 "$dir" >/tmp/fuzz-pass.$$.log 2>&1 || {
			cat /tmp/fuzz-pass.$$.log
			rm -f /tmp/fuzz-pass.$$.log
			echo "fuzz-pass: $dir $target FAILED (input saved under $dir/testdata/fuzz/$target/)" >&2
			exit 1
		}
		total=$((total + 1))
	done
done
rm -f /tmp/fuzz-pass.$$.log
if [ "$total" -eq 0 ]; then
	echo "fuzz-pass: no fuzz target found" >&2
	exit 1
fi
echo "fuzz-pass: $total targets, ${fuzztime} each, no crasher, $((SECONDS - start)) s"
