#!/usr/bin/env python3
"""Checks of `tern run`'s limits and manners: -W fuel, timeout,
max-memory-size and max-wasm-stack on both tiers, the -W/-S spellings,
-S inherit-env and tcplisten, and a guest writing into a closed pipe.

usage: limits_test.py TERN LIMITS_WASM HELLO_WASM CASE
       limits_test.py TERN LIMITS_WASM HELLO_WASM --list

LIMITS_WASM is tests/run/limits.c built for wasm32-wasi; the other test
modules are assembled here with cli_test.py's writer.
"""
import os
import signal
import socket
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cli_test  # noqa: E402
from cli_test import (I32, NO_LOCALS, LOCAL_GET, Run, call, check, functype, i32_const,  # noqa: E402
                      module, write)

TIERS = ["interp", "jit"]

# _start: loop forever.
LOOP_WASM = module([functype([], [])], funcs=[0], exports=[("_start", 0)],
                   code=[(NO_LOCALS, b"\x03\x40\x0c\x00\x0b")])

# The start function loops forever (the limit must hold during instantiation).
START_LOOP_WASM = module([functype([], [])], funcs=[0, 0], exports=[("_start", 1)],
                         code=[(NO_LOCALS, b"\x03\x40\x0c\x00\x0b"), (NO_LOCALS, b"")], start=0)

# count(n): loops n times, returns 0.
COUNT_WASM = module(
    [functype([I32], [I32])], funcs=[0], exports=[("count", 0)],
    code=[(NO_LOCALS,
           b"\x02\x40\x03\x40" + LOCAL_GET(0) + b"\x45\x0d\x01"
           + LOCAL_GET(0) + i32_const(1) + b"\x6b\x21\x00\x0c\x00\x0b\x0b" + LOCAL_GET(0))])

# One page of memory; grow(delta) returns memory.grow's result.
GROW_WASM = module([functype([I32], [I32])], funcs=[0], memory=1,
                   exports=[("grow", 0), ("memory", "mem")],
                   code=[(NO_LOCALS, LOCAL_GET(0) + b"\x40\x00")])

# 20 pages of initial memory (1,310,720 bytes) and an empty _start.
BIG_WASM = module([functype([], [])], funcs=[0], memory=20, exports=[("_start", 0)],
                  code=[(NO_LOCALS, b"")])

# rec(n): n == 0 ? 0 : 1 + rec(n - 1)
REC_WASM = module(
    [functype([I32], [I32])], funcs=[0], exports=[("rec", 0)],
    code=[(NO_LOCALS,
           LOCAL_GET(0) + b"\x45\x04\x7f" + i32_const(0) + b"\x05"
           + i32_const(1) + LOCAL_GET(0) + i32_const(1) + b"\x6b" + call(0) + b"\x6a\x0b")])


class Timed(Run):
    def __init__(self, argv, **kw):
        start = time.monotonic()
        super().__init__(argv, **kw)
        self.seconds = time.monotonic() - start
        print("  took %.2fs" % self.seconds)


def case_fuel(t):
    count = write(t.tmp, "count.wasm", COUNT_WASM)
    loop = write(t.tmp, "loop.wasm", LOOP_WASM)
    for tier in TIERS:
        tr = "--tier=" + tier
        r = Run([t.tern, "run", tr, "-W", "fuel=1000", "--invoke", "count", count, "500"])
        check(r.status == 0 and r.out == "0\n", tier + ": 500 iterations fit in 1000 units of fuel")
        r = Run([t.tern, "run", tr, "-W", "fuel=1000", "--invoke", "count", count, "5000"])
        check(r.status == 134, tier + ": 5000 iterations run out of fuel: exit 134")
        check("all fuel consumed" in r.err and "ran out of fuel" in r.err and "fuel=1000" in r.err,
              tier + ": the message says the fuel ran out and how much there was")
        r = Run([t.tern, "run", tr, "--invoke", "count", count, "5000"])
        check(r.status == 0, tier + ": without -W fuel the same call finishes")
        r = Timed([t.tern, "run", tr, "-W", "fuel=100000", loop])
        check(r.status == 134 and "ran out of fuel" in r.err and r.seconds < 30,
              tier + ": an infinite loop stops when the fuel runs out")
        r = Run([t.tern, "run", tr, "-W", "fuel=0x10", loop])
        check(r.status == 134 and "fuel=16" in r.err, tier + ": fuel in 0x hex")


def case_timeout(t):
    loop = write(t.tmp, "loop.wasm", LOOP_WASM)
    start_loop = write(t.tmp, "start_loop.wasm", START_LOOP_WASM)
    count = write(t.tmp, "count.wasm", COUNT_WASM)
    for tier in TIERS:
        tr = "--tier=" + tier
        r = Timed([t.tern, "run", tr, "-W", "timeout=500ms", loop])
        check(r.status == 134, tier + ": an infinite loop with timeout=500ms exits 134")
        check("timed out after 500ms" in r.err, tier + ": the message says it timed out after 500ms")
        check(0.45 <= r.seconds < 30, tier + ": it stopped after about 500ms")
        r = Timed([t.tern, "run", tr, "-W", "timeout=1", start_loop])
        check(r.status == 134 and "timed out after 1s" in r.err and r.seconds >= 0.95,
              tier + ": a plain number is seconds, and the start function is covered too")
        r = Timed([t.tern, "run", tr, "-W", "timeout=60s", "--invoke", "count", count, "1000"])
        check(r.status == 0 and r.out == "0\n" and r.seconds < 30,
              tier + ": a guest that finishes in time exits at once with its result")
    r = Timed([t.tern, "run", "-W", "timeout=300ms", t.limits, "sleep", "60"])
    check(r.status == 134 and "timed out after 300ms" in r.err and "blocked in a host call" in r.err,
          "a guest blocked in a host call is reported and ended")
    check(r.seconds < 30, "...without waiting for the host call")
    for bad in ["timeout", "timeout=", "timeout=5x", "timeout=ms", "timeout=-1s"]:
        r = Run([t.tern, "run", "-W", bad, loop])
        check(r.status == 2 and r.err.startswith("error: ") and "-W " + bad in r.err,
              "-W %s is a usage error naming it" % bad)


def case_memory(t):
    grow = write(t.tmp, "grow.wasm", GROW_WASM)
    big = write(t.tmp, "big.wasm", BIG_WASM)
    for tier in TIERS:
        tr = "--tier=" + tier
        r = Run([t.tern, "run", tr, "-W", "max-memory-size=131072", "--invoke", "grow", grow, "1"])
        check(r.status == 0 and r.out == "1\n", tier + ": growing to the limit (2 pages) works")
        r = Run([t.tern, "run", tr, "-W", "max-memory-size=131072", "--invoke", "grow", grow, "2"])
        check(r.status == 0 and r.out == "-1\n", tier + ": growing past the limit returns -1")
        r = Run([t.tern, "run", tr, "--invoke", "grow", grow, "2"])
        check(r.status == 0 and r.out == "1\n", tier + ": without the limit the same growth works")
    r = Run([t.tern, "run", "-W", "max-memory-size=65536", big])
    check(r.status == 1, "an initial memory over the limit fails to instantiate (exit 1)")
    check(r.err.startswith("error: " + big + ": ") and "exceeds" in r.err and "65536 bytes" in r.err
          and "1310720 bytes" in r.err, "...with an error naming the file, the size and the limit")
    r = Run([t.tern, "run", "-W", "max-memory-size=0x200000", big])
    check(r.status == 0, "an initial memory under the limit instantiates")
    r = Run([t.tern, "run", "-W", "max-memory-size=lots", big])
    check(r.status == 2 and "max-memory-size=lots" in r.err, "a bad size is a usage error")


def case_stack(t):
    rec = write(t.tmp, "rec.wasm", REC_WASM)
    for tier in TIERS:
        tr = "--tier=" + tier

        def run(stack, depth):
            return Run([t.tern, "run", tr, "-W", "max-wasm-stack=%d" % stack, "--invoke", "rec", rec,
                        str(depth)])

        r = run(65536, 500)
        check(r.status == 0 and r.out == "500\n", tier + ": 64 KiB of stack: depth 500 works")
        r = run(65536, 50000)
        check(r.status == 134 and "call stack exhausted" in r.err,
              tier + ": 64 KiB of stack: depth 50000 traps 'call stack exhausted'")
        r = run(16 << 20, 50000)
        check(r.status == 0 and r.out == "50000\n", tier + ": 16 MiB of stack: depth 50000 works")
        r = run(16 << 20, 2000000)
        check(r.status == 134 and "call stack exhausted" in r.err,
              tier + ": 16 MiB of stack: depth 2000000 traps")
        r = run(256 << 20, 2000000)
        check(r.status == 0 and r.out == "2000000\n", tier + ": 256 MiB of stack: depth 2000000 works")
    r = Run([t.tern, "run", "-W", "max-wasm-stack=8", "--invoke", "rec", rec, "1"])
    check(r.status == 2 and "max-wasm-stack" in r.err, "a stack too small to hold a frame is a usage error")


def case_options(t):
    count = write(t.tmp, "count.wasm", COUNT_WASM)
    loop = write(t.tmp, "loop.wasm", LOOP_WASM)
    for argv, what in [
        (["-Wfuel=1000"], "-Wfuel=1000"),
        (["--wasm", "fuel=1000"], "--wasm fuel=1000"),
        (["--wasm=fuel=1000"], "--wasm=fuel=1000"),
        (["-W", "timeout=60s,fuel=1000"], "a comma list"),
        (["-W", "fuel=5", "-W", "fuel=1000"], "the last of repeated keys"),
    ]:
        r = Run([t.tern, "run"] + argv + ["--invoke", "count", count, "5000"])
        check(r.status == 134 and "fuel=1000" in r.err, what + " sets the fuel")
    r = Run([t.tern, "run", "-W", "fuel=10000000,max-wasm-stack=65536,max-memory-size=65536",
             "--invoke", "count", count, "10"])
    check(r.status == 0 and r.out == "0\n", "all four keys together, limits not reached")
    r = Run([t.tern, "run", "-W", "frobnicate=1", loop])
    check(r.status == 2 and r.err.count("\n") == 1, "an unknown -W key is a one-line usage error")
    check("'frobnicate'" in r.err and all(k in r.err for k in
                                           ["fuel", "timeout", "max-memory-size", "max-wasm-stack"]),
          "...naming the key and listing the known ones")
    r = Run([t.tern, "run", "-S", "frobnicate", loop])
    check(r.status == 2 and "'frobnicate'" in r.err and "inherit-env" in r.err and "tcplisten" in r.err,
          "an unknown -S key is a usage error listing the known ones")
    r = Run([t.tern, "run", "-W", "fuel", loop])
    check(r.status == 2 and "fuel=N" in r.err, "a key without its value is a usage error")
    r = Run([t.tern, "run", "-W"])
    check(r.status == 2, "-W without anything is a usage error")
    r = Run([t.tern, "run", "-W", "help"])
    check(r.status == 0 and all(k in r.out for k in ["fuel=N", "timeout=DURATION", "max-memory-size=BYTES",
                                                     "max-wasm-stack=BYTES"]), "-W help lists the keys")
    r = Run([t.tern, "run", "-S", "help"])
    check(r.status == 0 and "inherit-env" in r.out and "tcplisten" in r.out, "-S help lists the keys")
    # -S inherit-env, with wasmtime's boolean forms
    env = dict(os.environ, NAME="Bob")
    for argv, greeting in [(["-S", "inherit-env"], "Bob"), (["-S", "inherit-env=y"], "Bob"),
                           (["-Sinherit-env=yes"], "Bob"), (["--env-inherit", "-S", "inherit-env=n"], "world"),
                           ([], "world"), (["-S", "inherit-env", "--env", "NAME=Ada"], "Ada")]:
        p = subprocess.run([t.tern, "run"] + argv + [t.hello], capture_output=True, env=env, timeout=60)
        out = p.stdout.decode(errors="replace")
        print("$ NAME=Bob tern run %s hello.wasm -> %d" % (" ".join(argv), p.returncode))
        check(p.returncode == 0 and ("Hello, %s!" % greeting) in out,
              "%s: the guest greets %s" % (" ".join(argv) or "no option", greeting))
    r = Run([t.tern, "run", "-S", "inherit-env=maybe", t.hello])
    check(r.status == 2 and "inherit-env=maybe" in r.err, "a bad boolean is a usage error")


def case_tcplisten(t):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    p = subprocess.Popen([t.tern, "run", "-S", "tcplisten=127.0.0.1:%d" % port, t.limits, "accept"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    data = b""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=10) as c:
                while True:
                    chunk = c.recv(100)
                    if not chunk:
                        break
                    data += chunk
            break
        except OSError:
            time.sleep(0.05)
    try:
        p.wait(timeout=30)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()
    print("$ tern run -S tcplisten=127.0.0.1:%d limits.wasm accept -> %s, got %r" % (port, p.returncode, data))
    check(data == b"hello\n" and p.returncode == 0, "-S tcplisten hands the guest a listening socket")
    r = Run([t.tern, "run", "-S", "tcplisten=no-such-host.invalid:1", t.limits, "accept"])
    check(r.status == 2 and "tcplisten" in r.err, "-S tcplisten with a bad address is a usage error")


def case_sigpipe(t):
    # The shell pipeline a user types; PIPESTATUS[0] is tern's status.
    p = subprocess.run(["bash", "-c", '"$0" run "$1" yes | head -1; echo "tern-status=${PIPESTATUS[0]}" >&2',
                        t.tern, t.limits], capture_output=True, timeout=60)
    out, err = p.stdout.decode(), p.stderr.decode()
    print("$ tern run limits.wasm yes | head -1\n  stdout %r\n  stderr %r" % (out, err))
    check(out == "y\n", "head prints one line")
    check("tern-status=141" not in err, "tern does not die of SIGPIPE (status 141)")
    check("tern-status=3" in err, "the guest sees its write fail and exits 3")
    check("write failed: Broken pipe" in err, "fd_write returned EPIPE (strerror: Broken pipe)")
    # The same without a shell, timed.
    start = time.monotonic()
    proc = subprocess.Popen([t.tern, "run", t.limits, "yes"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    line = proc.stdout.readline()
    proc.stdout.close()
    try:
        status = proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        status = None
    took = time.monotonic() - start
    print("  direct: line %r, status %r, %.2fs" % (line, status, took))
    check(line == b"y\n" and status == 3 and status != -signal.SIGPIPE and took < 30,
          "closing the reading end ends the guest quickly with its own status")


CASES = {
    "fuel": case_fuel,
    "timeout": case_timeout,
    "memory": case_memory,
    "stack": case_stack,
    "options": case_options,
    "tcplisten": case_tcplisten,
    "sigpipe": case_sigpipe,
}


def main():
    return cli_test.case_main(__doc__, CASES, ["limits", "hello"], "tern-limits-")


if __name__ == "__main__":
    sys.exit(main())
