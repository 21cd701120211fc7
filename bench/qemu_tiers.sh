#!/usr/bin/env bash
# The AArch64 JIT against the AArch64 interpreter, under qemu-user, on the
# benchmark kernels: qemu makes absolute times meaningless, but the ratio of
# the two tiers on the same emulated machine shows whether the JIT's code is
# good. Each kernel runs once per tier at a medium size (interpreter runs of
# a few seconds under qemu); the CPU time (user + system) of the whole
# process is compared, qemu's start-up included, and both runs' output must
# be the same.
#
#   bash bench/qemu_tiers.sh [BUILD_DIR]     default build-aarch64 (bash .ci/run cross-aarch64)
#
# Prints one line per kernel and the geometric mean of interp / jit.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
build=${1:-build-aarch64}
qemu=${QEMU:-qemu-aarch64-static}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/tern-qemu-tiers.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
# kernel:argument, about a tenth of bench/kernels/kernels.txt's sizes.
sizes="crc32:24 fib:35 hashtable:4000000 interp:20000 mandelbrot:700 matmul:400 nbody:1000000 parse:8
       quicksort:1000000 sha256:16 sieve:2000000"
TIMEFORMAT='%U %S'
status=0
for pair in $sizes; do
  name=${pair%%:*} arg=${pair##*:}
  for tier in interp jit; do
    { time "$qemu" "$build/tern" run --tier=$tier "$build/bench/$name.wasm" "$arg" >"$tmp/$tier.out" \
        2>"$tmp/$tier.err"; } 2>"$tmp/$tier.time"
  done
  if ! cmp -s "$tmp/interp.out" "$tmp/jit.out"; then
    echo "$name: the tiers printed different output" >&2
    status=1
    continue
  fi
  ti=$(awk '{ print $1 + $2 }' "$tmp/interp.time")
  tj=$(awk '{ print $1 + $2 }' "$tmp/jit.time")
  echo "$name $arg $ti $tj" >>"$tmp/rows"
done
python3 - "$tmp/rows" <<'PY'
import math, sys
rows = [line.split() for line in open(sys.argv[1])]
print('%-11s %9s %9s %9s %7s' % ('kernel', 'arg', 'interp s', 'jit s', 'ratio'))
ratios = []
for name, arg, ti, tj in rows:
    r = float(ti) / max(float(tj), 0.01)
    ratios.append(r)
    print('%-11s %9s %9.2f %9.2f %6.2fx' % (name, arg, float(ti), float(tj), r))
print('geomean interp / jit: %.2fx over %d kernels' % (math.exp(sum(map(math.log, ratios)) / len(ratios)), len(ratios)))
PY
exit $status
