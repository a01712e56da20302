#!/bin/sh
# Rebuilds cog-historique.csv from its source, the npm package
# @etalab/decoupage-administratif (Etalab's JSON form of INSEE's Code officiel
# géographique, millésime 2026), checked against the digest recorded below.
# Run from emulator/idmatch (go generate does): sh data/rebuild.sh
set -eu
pkg=@etalab/decoupage-administratif@6.0.0
sum=c189ffd5b33fe40c2f19e1a923ce557f190622f39228745d3195d746dfe00c4a
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent "$pkg" >/dev/null)
tgz=$(ls "$tmp"/*.tgz)
echo "$sum  $tgz" | sha256sum -c - >/dev/null || { echo "rebuild.sh: $pkg digest differs from $sum" >&2; exit 1; }
tar -xzf "$tgz" -C "$tmp" package/data/communes.json
go run ./internal/gencog -in "$tmp/package/data/communes.json" -out data/cog-historique.csv
