#!/usr/bin/env python3
"""Narrow a wrong JIT result down to the functions that cause it.

    tests/jit/jit_bisect.py [--timeout S] [--stdin FILE] -- COMMAND [ARGS...]

COMMAND is a tern command line that runs on the JIT tier, e.g.
`build/tern run --tier=jit prog.wasm input`. The reference is the same command
with every function interpreted (TERN_JIT_FUNCS='!0-4294967295'); a run
"fails" when its stdout or exit status differs from the reference, or when it
times out. The script first checks that the command fails with the whole JIT,
then searches with TERN_JIT_FUNCS (see README, "Looking inside the JIT"):
  1. the smallest HI such that JIT-compiling only the functions [0, HI) fails;
  2. the largest LO such that JIT-compiling only [LO, HI) still fails.
With one miscompiled function that leaves exactly one function index. With
several that only fail together, it leaves the smallest range holding them.
About 64 runs at most. Prints each step and the final TERN_JIT_FUNCS value.

Exit status: 0 when a culprit range was found, 1 when the command does not
fail with the whole JIT (nothing to bisect), 2 on a usage error.
"""

import argparse
import os
import subprocess
import sys

ALL = 1 << 32


def run(cmd, funcs, stdin_path, timeout):
    env = dict(os.environ)
    env.pop('TERN_JIT_FUNCS', None)
    if funcs is not None:
        env['TERN_JIT_FUNCS'] = funcs
    stdin = open(stdin_path, 'rb') if stdin_path else subprocess.DEVNULL
    try:
        p = subprocess.run(cmd, env=env, stdin=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           timeout=timeout)
        return (p.returncode, p.stdout)
    except subprocess.TimeoutExpired:
        return ('timeout', b'')
    finally:
        if stdin_path:
            stdin.close()


def spec(lo, hi):
    """TERN_JIT_FUNCS for JIT-compiling exactly [lo, hi)."""
    if hi <= lo:
        return '!0-4294967295'
    return '%d-%d' % (lo, hi - 1)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--timeout', type=float, default=60, help='seconds per run (default 60); a timeout fails')
    ap.add_argument('--stdin', help='file to feed the command on stdin (every run)')
    ap.add_argument('cmd', nargs=argparse.REMAINDER, help='-- COMMAND [ARGS...]')
    args = ap.parse_args()
    cmd = args.cmd[1:] if args.cmd[:1] == ['--'] else args.cmd
    if not cmd:
        ap.error('no command given')

    reference = run(cmd, spec(0, 0), args.stdin, args.timeout)
    if reference[0] == 'timeout':
        print('the interpreted reference run timed out; raise --timeout')
        return 2
    print('reference (all interpreted): exit %s, %d bytes of stdout' % (reference[0], len(reference[1])))
    runs = 0

    def fails(lo, hi):
        nonlocal runs
        runs += 1
        got = run(cmd, spec(lo, hi), args.stdin, args.timeout)
        bad = got != reference
        print('  TERN_JIT_FUNCS=%-24s %s' % (spec(lo, hi), 'differs' if bad else 'same'))
        return bad

    if not fails(0, ALL):
        print('the command gives the reference result with the whole JIT: nothing to bisect')
        return 1
    # Smallest hi with [0, hi) failing (failing is assumed to grow with hi).
    lo_ok, hi_bad = 0, ALL
    while hi_bad - lo_ok > 1:
        mid = (lo_ok + hi_bad) // 2
        if fails(0, mid):
            hi_bad = mid
        else:
            lo_ok = mid
    hi = hi_bad
    # Largest lo with [lo, hi) failing.
    lo_bad, lo_ok = 0, hi
    while lo_ok - lo_bad > 1:
        mid = (lo_bad + lo_ok) // 2
        if fails(mid, hi):
            lo_bad = mid
        else:
            lo_ok = mid
    lo = lo_bad
    if hi - lo == 1:
        print('culprit: function %d (wasm-function[%d]); %d runs' % (lo, lo, runs))
    else:
        print('culprits: functions %d..%d only fail together; %d runs' % (lo, hi - 1, runs))
    print('reproduce: TERN_JIT_FUNCS=%s %s' % (spec(lo, hi), ' '.join(cmd)))
    return 0


if __name__ == '__main__':
    sys.exit(main())
