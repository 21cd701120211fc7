#!/usr/bin/env python3
"""Hostile guests through `tern run` and `tern validate`: a memory bomb, a
runaway loop, unbounded recursion, a table bomb, huge modules, deep nesting
and huge data segments. Each must end with a result, an error or a trap with
a clear message and a defined exit status, within bounded time and bounded
peak memory (the RSS of the tern process, measured with wait4), on both tiers.

usage: hostile_test.py TERN CASE
       hostile_test.py TERN --list

The modules are assembled here (cli_test.py's writer) when the case runs, so
nothing large is kept on disk.
"""
import os
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cli_test  # noqa: E402
from cli_test import (I32, NO_LOCALS, LOCAL_GET, call, check, functype, i32_const, module, name, section,  # noqa: E402
                      uleb, vec, write)

TIERS = ["interp", "jit"]
MiB = 1 << 20
# Peak RSS allowed for a case that should need next to nothing: tern itself
# with its code, heap and one page of guest memory is about 10-20 MiB.
SMALL_RSS = 100 * MiB

# Instructions used below.
BLOCK, LOOP, IF, END, BR, BR_IF, DROP = b"\x02\x40", b"\x03\x40", b"\x04\x40", b"\x0b", b"\x0c", b"\x0d", b"\x1a"
I32_EQ, I32_SUB, I32_MUL = b"\x46", b"\x6b", b"\x6c"
MEMORY_SIZE, MEMORY_GROW = b"\x3f\x00", b"\x40\x00"
I32_LOAD, I32_STORE8 = b"\x28\x02\x00", b"\x3a\x00\x00"
REF_NULL_FUNC = b"\xd0\x70"
TABLE_GROW, TABLE_SIZE = b"\xfc\x0f\x00", b"\xfc\x10\x00"


def call_indirect(typeidx):
    return b"\x11" + uleb(typeidx) + b"\x00"


def raw_module(sections):
    """sections: [(id, payload bytes)] in order."""
    return b"\x00asm\x01\x00\x00\x00" + b"".join(section(i, p) for i, p in sections)


def code_section(bodies):
    """bodies: [local declarations + instructions] without the final end."""
    return (10, vec([uleb(len(b) + 1) + b + END for b in bodies]))


def body_offsets(at, bodies):
    """The module offset of each body's first byte (its locals), when
    code_section(bodies) starts at offset `at`."""
    payload = code_section(bodies)[1]
    at += 1 + len(uleb(len(payload))) + len(uleb(len(bodies)))
    out = []
    for b in bodies:
        at += len(uleb(len(b) + 1))
        out.append(at)
        at += len(b) + 1
    return out


def exports_section(pairs):
    return (7, vec([name(n) + b"\x00" + uleb(i) for n, i in pairs]))


class Measured:
    """Runs tern with a wall-clock limit and records its exit status,
    output, duration and peak RSS (ru_maxrss from wait4, in bytes)."""

    def __init__(self, t, argv, limit=60):
        argv = [t.tern] + argv
        out_path, err_path = os.path.join(t.tmp, "out.txt"), os.path.join(t.tmp, "err.txt")
        start = time.monotonic()
        with open(out_path, "wb") as out, open(err_path, "wb") as err:
            p = subprocess.Popen(argv, stdout=out, stderr=err, stdin=subprocess.DEVNULL)
            killer = threading.Timer(limit, p.kill)
            killer.start()
            _, status, usage = os.wait4(p.pid, 0)
            killer.cancel()
            p.returncode = 0  # reaped here; keep Popen from waiting again
        self.seconds = time.monotonic() - start
        self.rss = usage.ru_maxrss * 1024
        if os.WIFSIGNALED(status):
            self.status = 128 + os.WTERMSIG(status)
        else:
            self.status = os.WEXITSTATUS(status)
        with open(out_path, "rb") as f:
            self.out = f.read().decode(errors="replace")
        with open(err_path, "rb") as f:
            self.err = f.read().decode(errors="replace")
        print("$ " + " ".join(argv[1:]))
        print("  status %d, %.2fs, peak RSS %.1f MiB" % (self.status, self.seconds, self.rss / MiB))
        for line in self.out.splitlines()[:5]:
            print("  stdout| " + line)
        for line in self.err.splitlines()[:14]:
            print("  stderr| " + line)

    def bounded(self, what, seconds=10, rss=SMALL_RSS):
        check(self.seconds < seconds, "%s: done in %.2fs (< %ds)" % (what, self.seconds, seconds))
        check(self.rss < rss, "%s: peak RSS %.1f MiB (< %d MiB)" % (what, self.rss / MiB, rss // MiB))


def trapped(r, message):
    """Whether tern exited 134 with the trap `message` (and maybe a detail
    after a colon) as its first line."""
    first = r.err.split("\n", 1)[0]
    return r.status == 134 and (first == "error: wasm trap: " + message
                                or first.startswith("error: wasm trap: " + message + ": "))


# ---------------------------------------------------------------------------
# 1. Memory bomb

# bomb(): memory.grow(1) until it returns -1, then store a byte in the last
# byte of memory (address pages * 65536 - 1, mod 2^32) and return the pages.
BOMB_WASM = module(
    [functype([], [I32]), functype([I32], [I32])], funcs=[0, 1], memory=1,
    exports=[("bomb", 0), ("grow", 1)],
    code=[(NO_LOCALS,
           BLOCK + LOOP + i32_const(1) + MEMORY_GROW + i32_const(-1) + I32_EQ + BR_IF + b"\x01" + BR + b"\x00"
           + END + END
           + MEMORY_SIZE + i32_const(65536) + I32_MUL + i32_const(1) + I32_SUB + i32_const(42) + I32_STORE8
           + MEMORY_SIZE),
          (NO_LOCALS, LOCAL_GET(0) + MEMORY_GROW)])


def case_memory(t):
    bomb = write(t.tmp, "bomb.wasm", BOMB_WASM)
    for tier in TIERS:
        tr = "--tier=" + tier
        r = Measured(t, ["run", tr, "-W", "max-memory-size=%d" % (16 * MiB), "--invoke", "bomb", bomb])
        check(r.status == 0 and r.out == "256\n", tier + ": under a 16 MiB limit the bomb gets 256 pages")
        r.bounded(tier + ": bomb under a limit")
        r = Measured(t, ["run", tr, "--invoke", "bomb", bomb])
        check(r.status == 0 and r.out == "65536\n", tier + ": without a limit the bomb reaches 65536 pages (4 GiB)")
        # 4 GiB reserved, two pages touched.
        r.bounded(tier + ": bomb without a limit", seconds=20)
        for delta in [65536, 0x7FFFFFFF, -1]:
            r = Measured(t, ["run", tr, "--invoke", "grow", bomb, str(delta)])
            check(r.status == 0 and r.out == "-1\n", "%s: memory.grow(%d) from 1 page returns -1" % (tier, delta))
            r.bounded("%s: memory.grow(%d)" % (tier, delta))


# ---------------------------------------------------------------------------
# 2. Runaway loop

LOOP_WASM = module([functype([], [])], funcs=[0], exports=[("_start", 0)],
                   code=[(NO_LOCALS, LOOP + BR + b"\x00" + END)])
# The loop header, where fuel and interruption are checked: before br 0 and two ends.
LOOP_AT = len(LOOP_WASM) - 6


def case_runaway(t):
    loop = write(t.tmp, "loop.wasm", LOOP_WASM)
    for tier in TIERS:
        tr = "--tier=" + tier
        r = Measured(t, ["run", tr, "-W", "timeout=200ms", loop])
        check(trapped(r, "interrupted") and "timed out after 200ms" in r.err,
              tier + ": (loop (br 0)) under timeout=200ms traps 'interrupted'")
        check(r.seconds >= 0.19, tier + ": ...not before the 200ms")
        check(r.err.endswith("\n  at _start (loop.wasm+0x%x)\n" % LOOP_AT), tier + ": ...at the loop header")
        r.bounded(tier + ": timeout", seconds=5)
        r = Measured(t, ["run", tr, "-W", "fuel=1000000", loop])
        check(trapped(r, "all fuel consumed") and "fuel=1000000" in r.err,
              tier + ": (loop (br 0)) under fuel=1000000 traps 'all fuel consumed'")
        check(r.err.endswith("\n  at _start (loop.wasm+0x%x)\n" % LOOP_AT), tier + ": ...at the loop header")
        r.bounded(tier + ": fuel", seconds=5)


# ---------------------------------------------------------------------------
# 3. Recursion

# rec(): calls itself. ping() and pong() call each other through the table
# (ping = function 1 at table index 0, pong = function 2 at index 1).
REC_HEAD = raw_module([
    (1, vec([functype([], [])])),
    (3, vec([uleb(0)] * 3)),
    (4, vec([b"\x70\x00" + uleb(2)])),
    exports_section([("rec", 0), ("ping", 1), ("pong", 2)]),
    (9, vec([b"\x00" + i32_const(0) + END + vec([uleb(1), uleb(2)])])),
])
REC_BODIES = [NO_LOCALS + call(0), NO_LOCALS + i32_const(1) + call_indirect(0),
              NO_LOCALS + i32_const(0) + call_indirect(0)]
REC_WASM = REC_HEAD + section(*code_section(REC_BODIES))
# Module offset of each body (its locals byte) and of its call.
REC_BODY = body_offsets(len(REC_HEAD), REC_BODIES)
REC_CALL = [REC_BODY[0] + 1, REC_BODY[1] + 3, REC_BODY[2] + 3]
# Config::max_call_depth: 20000 calls below the entry, 20001 frames.
MAX_FRAMES = 20001


def expect_recursion(r, tier, names, limited, what):
    """names: the functions of the cycle, outermost first; limited: whether
    a small max-wasm-stack (not the call depth) stopped it."""
    check(trapped(r, "call stack exhausted"), what + ": traps 'call stack exhausted'")
    lines = [line for line in r.err.splitlines() if line.startswith("  ")]
    folds = [i for i, line in enumerate(lines) if line.startswith("  ... ")]
    check(len(folds) == 1 and len(lines) <= 101, what + ": the backtrace is folded into %d lines" % len(lines))
    if len(folds) != 1:
        return
    fold = lines[folds[0]].split()
    hidden = int(fold[1].replace(",", ""))
    shown = [line for line in lines if line.startswith("  at ")]
    total = hidden + len(shown)
    if limited:
        check(100 < total < MAX_FRAMES, what + ": the small stack stops it at %d frames" % total)
    else:
        check(total == MAX_FRAMES, what + ": the call depth limit stops it at %d frames" % total)
    # Frame k (innermost 0) is names[(total - 1 - k) % len(names)]; the frames
    # after the fold count from the outermost one.
    index = {"rec": 0, "ping": 1, "pong": 2}
    expected = []
    for k in range(total):
        if folds[0] <= k < folds[0] + hidden:
            continue
        f = names[(total - 1 - k) % len(names)]
        off = REC_CALL[index[f]]
        if k == 0 and tier == "jit":
            off = REC_BODY[index[f]]  # JIT code checks at the callee's entry
        expected.append("  at %s (rec.wasm+0x%x)" % (f, off))
    check(shown == expected, what + ": each frame names its function and its call site")


def case_recursion(t):
    rec = write(t.tmp, "rec.wasm", REC_WASM)
    for tier in TIERS:
        tr = "--tier=" + tier
        for stack in [[], ["-W", "max-wasm-stack=16384"]]:
            what = tier + (" " + stack[1] if stack else "")
            r = Measured(t, ["run", tr] + stack + ["--invoke", "rec", rec])
            expect_recursion(r, tier, ["rec"], bool(stack), what + ": direct recursion")
            r.bounded(what + ": direct recursion")
            r = Measured(t, ["run", tr] + stack + ["--invoke", "ping", rec])
            expect_recursion(r, tier, ["ping", "pong"], bool(stack), what + ": mutual recursion through call_indirect")
            r.bounded(what + ": mutual recursion")


# big(): 50,000 i64 locals (Tern's most, 400,000 bytes a frame), calls itself.
BIG_FRAME_WASM = raw_module([(1, vec([functype([], [])])), (3, vec([uleb(0)])), exports_section([("big", 0)]),
                             code_section([uleb(1) + uleb(50000) + b"\x7e" + call(0)])])


def case_frames(t):
    # Big frames run out of stack long before the call depth limit.
    big = write(t.tmp, "big.wasm", BIG_FRAME_WASM)
    for tier in TIERS:
        r = Measured(t, ["run", "--tier=" + tier, "--invoke", "big", big])
        check(trapped(r, "call stack exhausted"), tier + ": recursion with 400 KB frames traps 'call stack exhausted'")
        fold = [line for line in r.err.splitlines() if line.startswith("  ... ")]
        frames = r.err.count("\n  at ") + (int(fold[0].split()[1].replace(",", "")) if fold else 0)
        check(1 < frames < 1000, "%s: ...after %d frames" % (tier, frames))
        r.bounded(tier + ": recursion with big frames", rss=400 * MiB)


# ---------------------------------------------------------------------------
# 4. Table bomb

# grow(delta): table.grow(null, delta). bomb(step): grows by `step` until
# -1 and returns table.size.
TABLE_WASM = raw_module([
    (1, vec([functype([I32], [I32])])),
    (3, vec([uleb(0), uleb(0)])),
    (4, vec([b"\x70\x00" + uleb(0)])),
    exports_section([("grow", 0), ("bomb", 1)]),
    code_section([NO_LOCALS + REF_NULL_FUNC + LOCAL_GET(0) + TABLE_GROW,
                  NO_LOCALS + BLOCK + LOOP + REF_NULL_FUNC + LOCAL_GET(0) + TABLE_GROW + i32_const(-1) + I32_EQ
                  + BR_IF + b"\x01" + BR + b"\x00" + END + END + TABLE_SIZE]),
])


def tables_module(mins):
    """Tables of `mins` elements each (no maximum) and an empty _start."""
    return raw_module([(1, vec([functype([], [])])), (3, vec([uleb(0)])),
                       (4, vec([b"\x70\x00" + uleb(n) for n in mins])), exports_section([("_start", 0)]),
                       code_section([NO_LOCALS])])


def case_table(t):
    # Declared sizes: all of a store's tables together hold at most
    # 10,000,000 elements. (A regression: a 46-byte module declaring a table
    # of 2^32 - 1 elements had tern allocate 32 GiB, and five tables of
    # 10,000,000 took 400 MiB from 69 bytes.)
    limit = 10000000
    for mins in [[0xFFFFFFFF], [limit] * 5, [limit // 2 + 1, limit // 2]]:
        path = write(t.tmp, "tables.wasm", tables_module(mins))
        r = Measured(t, ["run", path])
        check(r.status == 1 and r.err == "error: %s: tables of %d elements exceed Tern's limit of %d table elements "
              "per store\n" % (path, sum(mins), limit), "tables of %s elements are refused" % mins)
        r.bounded("tables of %s elements" % mins)
    r = Measured(t, ["run", write(t.tmp, "tables.wasm", tables_module([limit // 2] * 2))])
    check(r.status == 0 and r.err == "", "tables of 10,000,000 elements in all instantiate")
    r.bounded("tables of 10,000,000 elements in all", rss=400 * MiB)

    table = write(t.tmp, "table.wasm", TABLE_WASM)
    for tier in TIERS:
        tr = "--tier=" + tier
        for delta in [0x7FFFFFFF, -1, 100000000]:
            r = Measured(t, ["run", tr, "--invoke", "grow", table, str(delta)])
            check(r.status == 0 and r.out == "-1\n", "%s: table.grow(%d) returns -1" % (tier, delta))
            r.bounded("%s: table.grow(%d)" % (tier, delta))
        r = Measured(t, ["run", tr, "--invoke", "bomb", table, "1000000"])
        # Tern stops a store's tables at 10,000,000 elements (8 bytes each).
        check(r.status == 0 and r.out == "%d\n" % limit, tier + ": growing in a loop stops at 10,000,000 elements")
        r.bounded(tier + ": table bomb", rss=400 * MiB)


# ---------------------------------------------------------------------------
# 5. Huge modules

def many_functions(n):
    """n functions () -> i32, function i returning i; exports "first" and "last"."""
    bodies = [NO_LOCALS + i32_const(i) for i in range(n)]
    return raw_module([(1, vec([functype([], [I32])])), (3, uleb(n) + b"\x00" * n),
                       exports_section([("first", 0), ("last", n - 1)]), code_section(bodies)])


def many_exports(n):
    """n functions, each exported as "fN" and returning N."""
    return raw_module([(1, vec([functype([], [I32])])), (3, uleb(n) + b"\x00" * n),
                       exports_section([("f%d" % i, i) for i in range(n)]),
                       code_section([NO_LOCALS + i32_const(i) for i in range(n)])])


def case_functions(t):
    big = write(t.tmp, "million.wasm", many_functions(1000000))
    print("million.wasm: %d bytes" % os.path.getsize(big))
    r = Measured(t, ["validate", big])
    check(r.status == 0, "a million functions validate")
    r.bounded("validate a million functions", seconds=30, rss=1024 * MiB)
    for tier in TIERS:
        r = Measured(t, ["run", "--tier=" + tier, "--invoke", "last", big])
        check(r.status == 0 and r.out == "999999\n", tier + ": the millionth function runs")
        r.bounded(tier + ": a million functions", seconds=30, rss=1024 * MiB)


def case_exports(t):
    exports = write(t.tmp, "exports.wasm", many_exports(100000))
    for tier in TIERS:
        r = Measured(t, ["run", "--tier=" + tier, "--invoke", "f99999", exports])
        check(r.status == 0 and r.out == "99999\n", tier + ": the 100,000th export runs")
        r.bounded(tier + ": 100,000 exports", seconds=30, rss=512 * MiB)


def locals_module(counts):
    """One function () -> () declaring groups of i32 locals, `counts` of
    them. Returns the module and the offset just after the last count (where
    a count that passes the limit is reported)."""
    head = raw_module([(1, vec([functype([], [])])), (3, vec([uleb(0)]))])
    decls = uleb(len(counts)) + b"".join(uleb(n) + bytes([I32]) for n in counts)
    body = decls + END
    payload = uleb(1) + uleb(len(body)) + body
    body_at = len(head) + 1 + len(uleb(len(payload))) + 1 + len(uleb(len(body)))
    return head + section(10, payload), body_at + len(decls) - 1


def case_locals(t):
    # Tern allows 50,000 locals per function; 50,001 in two groups is
    # refused at the count that passes the limit.
    data, at = locals_module([50000, 1])
    path = write(t.tmp, "locals.wasm", data)
    for argv in [["validate"], ["run", "--tier=interp"], ["run", "--tier=jit"]]:
        r = Measured(t, argv + [path])
        check(r.status == 1 and r.err == "error: %s: at offset 0x%x: too many locals\n" % (path, at),
              "%s: refused with 'too many locals' at offset 0x%x" % (" ".join(argv), at))
        r.bounded(" ".join(argv) + ": too many locals")
    # One group of 4 billion: refused the same way, without allocating them.
    data, at = locals_module([0xFFFFFFFF])
    path = write(t.tmp, "locals4g.wasm", data)
    r = Measured(t, ["run", path])
    check(r.status == 1 and r.err == "error: %s: at offset 0x%x: too many locals\n" % (path, at),
          "4,294,967,295 locals are refused at offset 0x%x" % at)
    r.bounded("4 billion locals")
    data, _ = locals_module([50000])
    r = Measured(t, ["validate", write(t.tmp, "locals_ok.wasm", data)])
    check(r.status == 0, "exactly 50,000 locals validate")


# ---------------------------------------------------------------------------
# 6. Deep nesting

DEPTH = 100000


def nested_module(body, results=()):
    return raw_module([(1, vec([functype([], list(results))])), (3, vec([uleb(0)])),
                       exports_section([("f", 0)]), code_section([NO_LOCALS + body])])


NESTED = {
    "blocks": (BLOCK * DEPTH + END * DEPTH, ""),
    "ifs": ((i32_const(1) + IF) * DEPTH + END * DEPTH, ""),
    "operands": (i32_const(7) * DEPTH + DROP * (DEPTH - 1), "7\n"),
}


def case_nesting(t):
    for kind, (body, out) in NESTED.items():
        path = write(t.tmp, kind + ".wasm", nested_module(body, [I32] if out else []))
        r = Measured(t, ["validate", path])
        check(r.status == 0, "100,000 nested %s validate" % kind)
        r.bounded("validate nested " + kind)
        for tier in TIERS:
            r = Measured(t, ["run", "--tier=" + tier, "--invoke", "f", path])
            check(r.status == 0 and r.out == out, "%s: 100,000 nested %s run" % (tier, kind))
            r.bounded("%s: nested %s" % (tier, kind), rss=200 * MiB)


# ---------------------------------------------------------------------------
# 7. Huge data segments

def data_module(pages, offset, payload, declared=None, section_size=None):
    """A memory of `pages` pages, one active data segment of `payload` at
    `offset` (declaring `declared` bytes, in a data section declaring
    `section_size` bytes) and load(addr) -> i32. Returns the module and the
    offset in it of the segment's length."""
    declared = len(payload) if declared is None else declared
    head = raw_module([(1, vec([functype([I32], [I32])])), (3, vec([uleb(0)])),
                       (5, vec([b"\x00" + uleb(pages)])), exports_section([("load", 0)]),
                       code_section([NO_LOCALS + LOCAL_GET(0) + I32_LOAD])])
    seg = b"\x00" + i32_const(offset) + END
    body = uleb(1) + seg + uleb(declared) + payload
    size = len(body) if section_size is None else section_size
    return head + b"\x0b" + uleb(size) + body, len(head) + 1 + len(uleb(size)) + 1 + len(seg)


def case_data(t):
    # A segment that says 2 GiB and holds 4 bytes. Tern, like the reference
    # interpreter, checks a length against the rest of the module ("length
    # out of bounds", at the length); one that fits the file but not its
    # section reads past the section ("section size mismatch"). A section
    # size past the file's end is reported at the section size.
    trailer = section(0, name("pad") + b"\x00" * 16)  # a custom section after the data
    for what, declared, section_size, tail, message in [
            ("the file", 0x7FFFFFFF, None, b"", "length out of bounds"),
            ("its section", 12, None, trailer, "section size mismatch"),
            ("the file, in a section also too long", 0x7FFFFFFF, 0x7FFFFFF0, b"", "length out of bounds")]:
        data, at = data_module(1, 0, b"abcd", declared=declared, section_size=section_size)
        if section_size is not None:
            at = data.rindex(b"\x0b" + uleb(section_size)) + 1
        path = write(t.tmp, "truncated.wasm", data + tail)
        for argv in [["validate"], ["run", "--tier=interp"], ["run", "--tier=jit"]]:
            r = Measured(t, argv + [path])
            check(r.status == 1 and r.err == "error: %s: at offset 0x%x: %s\n" % (path, at, message),
                  "%s: a data segment longer than %s: '%s' at 0x%x" % (" ".join(argv), what, message, at))
            r.bounded(" ".join(argv) + ": truncated data segment")
    data, _ = data_module(1, 65535, b"ab")
    path = write(t.tmp, "oob.wasm", data)
    for tier in TIERS:
        r = Measured(t, ["run", "--tier=" + tier, "--invoke", "load", path, "0"])
        check(trapped(r, "out of bounds memory access") and r.out == "",
              tier + ": a segment past the end of memory traps during instantiation")
        r.bounded(tier + ": data segment out of bounds")
    # 65536 pages (4 GiB), the segment in its last 4 bytes.
    data, _ = data_module(65536, -4, b"tail")
    path = write(t.tmp, "top.wasm", data)
    for tier in TIERS:
        r = Measured(t, ["run", "--tier=" + tier, "--invoke", "load", path, str(-4)])
        check(r.status == 0 and r.out == "%d\n" % int.from_bytes(b"tail", "little", signed=True),
              tier + ": a data segment at the very end of a 4 GiB memory works")
        r.bounded(tier + ": data segment at the top of 4 GiB")


CASES = {
    "memory": case_memory,
    "runaway": case_runaway,
    "recursion": case_recursion,
    "frames": case_frames,
    "table": case_table,
    "functions": case_functions,
    "exports": case_exports,
    "locals": case_locals,
    "nesting": case_nesting,
    "data": case_data,
}


def main():
    return cli_test.case_main(__doc__, CASES, [], "tern-hostile-")


if __name__ == "__main__":
    sys.exit(main())
