#!/usr/bin/env python3
"""Runs examples/cpp_embed (the C++ embedding example) on its guest and
requires exactly the output it should print, and exit status 0.

usage: check_cpp_example.py CPP_EMBED GUEST.wasm
"""
import subprocess
import sys

EXPECTED = """\
_start returned
captured: hello from the guest, argc=3
captured: arg 1: first
captured: arg 2: second
captured: host.scale(21) = 42
host.note: guest is running
host.scale was called 1 time(s)
add(40, 2) = 42
typed<int64_t(int64_t)>: function add has type (i32, i32) -> (i32), not (i64) -> (i64)
"""


def main():
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    proc = subprocess.run([sys.argv[1], sys.argv[2]], capture_output=True, text=True, timeout=60)
    ok = True
    if proc.returncode != 0:
        print(f"exit status {proc.returncode}, expected 0", file=sys.stderr)
        ok = False
    if proc.stdout != EXPECTED:
        print("stdout differs from what is expected", file=sys.stderr)
        want, got = EXPECTED.splitlines(), proc.stdout.splitlines()
        for i in range(max(len(want), len(got))):
            w = want[i] if i < len(want) else "<nothing>"
            g = got[i] if i < len(got) else "<nothing>"
            if w != g:
                print(f"line {i + 1}: expected {w!r}\n        got      {g!r}", file=sys.stderr)
        ok = False
    if proc.stderr:
        print("stderr:\n" + proc.stderr, file=sys.stderr)
    if ok:
        print("cpp-example: ok")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
