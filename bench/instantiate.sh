#!/usr/bin/env bash
# Instantiation benchmark: tern (C++ API, InstancePre) against V8 (node) on
# the same module, measured in the same run. Usage: bench/instantiate.sh [BUILD_DIR]
set -euo pipefail
build=${1:-build}
wasm="$build/bench/request.wasm"
[ -x "$build/bench/instantiate_bench" ] || { echo "build first: ninja -C $build" >&2; exit 2; }
tern_line=$("$build/bench/instantiate_bench" "$wasm")
echo "$tern_line"
if command -v node >/dev/null 2>&1; then
  node_line=$(node "$(dirname "$0")/instantiate.cjs" "$wasm")
  echo "$node_line"
  t=$(sed -E 's/.*: ([0-9.]+) us.*/\1/' <<<"$tern_line")
  n=$(sed -E 's/.*: ([0-9.]+) us.*/\1/' <<<"$node_line")
  awk -v t="$t" -v n="$n" 'BEGIN { printf "tern/node time ratio: %.2f (goal: tern under 10 us)\n", t / n }'
fi
