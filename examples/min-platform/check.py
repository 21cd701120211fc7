#!/usr/bin/env python3
"""The `min-platform` test: runs examples/min-platform's program with a few N
and checks what it prints against sums computed here.

    check.py MIN_PLATFORM_EXE MAIN_CC

First, the module text in MAIN_CC's comment, through wat2wasm, must give the
bytes of its array kModule (the comment says what the example runs).

For each N the program must print "sum_squares(N) = S", where S is the sum of
i*i for i in 1..N with each square stored as a 32-bit word (as the guest
does), and then "load(A) trapped: out of bounds memory access" with A the
first address whose 4-byte load runs past the memory: 65536 - 3 while the
squares fit in the first page, more after the guest grew its memory.
"""
import os
import re
import subprocess
import sys
import tempfile

exe, main_cc = sys.argv[1], sys.argv[2]
status = 0

source = open(main_cc).read()
comment = re.search(r"// The module, as wat2wasm writes it from this text:\n//\n((?://   .*\n)+)", source)
array = re.search(r"const uint8_t kModule\[\] = \{([^}]*)\};", source)
with tempfile.TemporaryDirectory() as tmp:
    wat, wasm = os.path.join(tmp, "m.wat"), os.path.join(tmp, "m.wasm")
    with open(wat, "w") as f:
        f.write("".join(line[5:] + "\n" for line in comment.group(1).splitlines()))
    subprocess.run(["wat2wasm", wat, "-o", wasm], check=True)
    want_bytes = open(wasm, "rb").read()
have_bytes = bytes(int(b, 16) for b in re.findall(r"0x([0-9a-f]{2})", array.group(1)))
if have_bytes != want_bytes:
    print("main.cc: kModule (%d bytes) is not what wat2wasm makes of the comment (%d bytes)"
          % (len(have_bytes), len(want_bytes)))
    status = 1
else:
    print("main.cc: kModule is the comment's module (%d bytes)" % len(have_bytes))
for n in (0, 10, 1000, 100000):
    out = subprocess.run([exe, str(n)], capture_output=True, text=True, timeout=60)
    squares = sum((i * i) & 0xFFFFFFFF for i in range(1, n + 1))
    # The guest grows its memory by 1 + 4n / 65536 pages when 4(n+1) bytes
    # exceed the first page.
    pages = 1 if 4 * (n + 1) <= 65536 else 1 + (4 * n >> 16) + 1
    want = ["sum_squares(%d) = %d" % (n, squares),
            "load(%d) trapped: out of bounds memory access" % (pages * 65536 - 3)]
    got = out.stdout.splitlines()
    if out.returncode != 0 or got != want:
        print("N=%d: exit status %d, printed %r, expected %r; stderr: %s"
              % (n, out.returncode, got, want, out.stderr.strip()))
        status = 1
    else:
        print("N=%d: ok: %s" % (n, " / ".join(got)))
sys.exit(status)
