#!/usr/bin/env python3
"""Loops of a million tail calls (return_call, return_call_indirect) on a
small native stack (ulimit -s 256): within one tier, between the tiers (the
JIT with TERN_JIT_FUNCS leaving some functions to the interpreter), between
two instances, ending in a host function, and ending in a trap whose
backtrace holds the last callee and its caller only; and endless tail calls
stopped by -W timeout. Each finishes with the
result computed here from the loop's rule, whatever the tier.

usage: tail_call_test.py TERN TAIL_LOOP_WASM TAIL_PING_WASM TAIL_PONG_WASM TIER...
"""
import os
import resource
import subprocess
import sys

N = 1000001  # odd: the loops end in the other function than they start in
STACK = 256 * 1024

failures = []


def check(ok, what):
    print(("ok   " if ok else "FAIL ") + what)
    if not ok:
        failures.append(what)


def small_stack():
    resource.setrlimit(resource.RLIMIT_STACK, (STACK, STACK))


def run(args, jit_funcs=None):
    env = dict(os.environ)
    env.pop("TERN_JIT_FUNCS", None)
    if jit_funcs is not None:
        env["TERN_JIT_FUNCS"] = jit_funcs
    p = subprocess.run(args, capture_output=True, env=env, preexec_fn=small_stack, timeout=300)
    return p.returncode, p.stdout.decode(), p.stderr.decode(errors="replace")


def expected(n, first_step, second_step, first_ends_negative):
    # Steps alternate between the two functions, the first one first, each
    # adding its step to acc; the one that sees n == 0 returns acc, or -acc
    # if it is the one that ends negative.
    firsts, seconds = (n + 1) // 2, n // 2
    acc = firsts * first_step + seconds * second_step
    ends_in_first = n % 2 == 0
    return -acc if ends_in_first == first_ends_negative else acc


def main():
    tern, loop, ping, pong = sys.argv[1:5]
    for tier in sys.argv[5:]:
        flags = ["--tier=interp"] if tier == "interp" else ["--tier=jit"]
        if tier == "jit-bounds":
            flags.append("--bounds-checks")
        if tier == "jit-eager":
            flags += ["-C", "lazy=n"]  # the others compile each function at its first call
        # tail_loop.wasm: function 0 is the import; 1 $even, 2 $odd, 6
        # $nested (3 $spin, 4 $boom and 5 $main are interpreted in a mix).
        mixes = [None] if tier == "interp" else [None, "1,6", "2,6"]
        for mix in mixes:
            label = "%s%s" % (tier, "" if mix is None else " TERN_JIT_FUNCS=" + mix)
            # $even adds 1 and ends with acc; $odd adds 2 and ends with -acc.
            want = expected(N, 1, 2, False)
            status, out, err = run([tern, "run"] + flags + ["--invoke", "even", loop, str(N), "0"], mix)
            check(status == 0 and out.strip() == str(want),
                  "%s: even/odd by return_call and return_call_indirect, %d calls -> %d (%d %r %r)" %
                  (label, N, want, status, out, err[:300]))
            status, out, err = run([tern, "run"] + flags + ["--invoke", "nested", loop, str(N)], mix)
            check(status == 0 and out.strip() == str(want),
                  "%s: the same loop below a caller's frame -> %d (%d %r %r)" % (label, want, status, out, err[:300]))
            status, out, err = run([tern, "run"] + flags + ["--invoke", "spin", loop, str(N)], mix)
            check(status == 0 and out.strip() == "0",
                  "%s: %d self tail calls, then one of the host's sched_yield -> 0 (%d %r %r)" %
                  (label, N, status, out, err[:300]))
            status, out, err = run([tern, "run"] + flags + ["--invoke", "main", loop, str(N)], mix)
            lines = [l.strip() for l in err.splitlines() if l.strip().startswith("at ")]
            check(status == 134 and "unreachable" in err and len(lines) == 2 and lines[0].startswith("at boom ")
                  and lines[1].startswith("at main "),
                  "%s: a trap after %d tail calls: backtrace boom, main (%d %r)" % (label, N, status, err[:300]))
        status, out, err = run([tern, "run"] + flags + ["-W", "timeout=1s", "--invoke", "forever", loop, "0"])
        check(status == 134 and "interrupted" in err,
              "%s: endless tail calls stop at -W timeout=1s (%d %r)" % (tier, status, err[:200]))
        # Two instances: ping (main module; function 0 is the import pong,
        # 1 ping) adds 2 and ends with -acc, pong (preloaded, function 0)
        # adds 1 and ends with acc. TERN_JIT_FUNCS=0 compiles pong only.
        for mix in ([None] if tier == "interp" else [None, "0"]):
            label = "%s%s" % (tier, "" if mix is None else " TERN_JIT_FUNCS=" + mix)
            want = expected(N, 2, 1, True)
            status, out, err = run([tern, "run"] + flags + ["--preload", "pong=" + pong, "--invoke", "ping", ping,
                                                            str(N), "0"], mix)
            check(status == 0 and out.strip() == str(want),
                  "%s: ping and pong in two instances, %d tail calls -> %d (%d %r %r)" %
                  (label, N, want, status, out, err[:300]))
    if failures:
        print("%d failed" % len(failures))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
