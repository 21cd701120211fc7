#!/usr/bin/env bash
# Seeds for the fuzz targets: every binary module of the spec suite's core
# scripts (valid, invalid and malformed ones alike), as wast2json writes
# them, one file each, deduplicated by content and at most MAX_BYTES long
# (default 16384: larger ones slow libFuzzer down more than they add).
#
#   bash tests/fuzz/seeds.sh SPEC_CORE_DIR OUT_DIR [MAX_BYTES]
#
# SPEC_CORE_DIR holds i32.wast and the others (e.g. ../shared/testsuite/core).
# Scripts wast2json cannot read are skipped. Prints how many seeds it wrote.
set -euo pipefail
[ $# -ge 2 ] || { echo "usage: $0 SPEC_CORE_DIR OUT_DIR [MAX_BYTES]" >&2; exit 2; }
spec=$1 out=$2 max=${3:-16384}
[ -f "$spec/i32.wast" ] || { echo "$0: no i32.wast in $spec" >&2; exit 2; }
command -v wast2json >/dev/null || { echo "$0: wast2json (wabt) is not installed" >&2; exit 2; }
mkdir -p "$out"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/tern-seeds.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
for wast in "$spec"/*.wast; do
  name=$(basename "$wast" .wast)
  mkdir "$tmp/$name"
  wast2json --enable-all "$wast" -o "$tmp/$name/$name.json" >/dev/null 2>&1 || continue
done
n=0
while read -r sum f; do
  [ -e "$out/$sum" ] || { cp "$f" "$out/$sum"; n=$((n + 1)); }
done < <(find "$tmp" -name '*.wasm' -size -$((max + 1))c -print0 | xargs -0 -r sha1sum)
echo "$n seeds written to $out"
