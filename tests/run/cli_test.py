#!/usr/bin/env python3
"""Checks of the `tern` command line: exit statuses, messages, per-command
help, errors naming the file, text-format input, --invoke, traps, WASI
pointer checks and the preopen sandbox. (Limits and -W/-S: limits_test.py.)

usage: cli_test.py TERN HELLO_WASM SYS_WASM CASE
       cli_test.py TERN HELLO_WASM SYS_WASM --list

Small test modules are assembled here, byte by byte, so these tests need
nothing but Python.
"""
import os
import re
import struct
import subprocess
import sys
import tempfile

# ---------------------------------------------------------------------------
# A tiny Wasm binary writer


def uleb(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def sleb(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if (n == 0 and not b & 0x40) or (n == -1 and b & 0x40):
            out.append(b)
            return bytes(out)
        out.append(b | 0x80)


def vec(items):
    return uleb(len(items)) + b"".join(items)


def name(s):
    return uleb(len(s)) + s.encode()


def section(sid, payload):
    return bytes([sid]) + uleb(len(payload)) + payload


I32, I64, F32, F64, V128 = 0x7F, 0x7E, 0x7D, 0x7C, 0x7B


def functype(params, results):
    return b"\x60" + vec([bytes([p]) for p in params]) + vec([bytes([r]) for r in results])


def module(types, imports=(), funcs=(), memory=None, exports=(), code=(), data=(), start=None):
    """types: [functype bytes]; imports: [(mod, name, typeidx)];
    funcs: [typeidx]; exports: [(name, funcidx)] (functions only, or
    ('memory', 'mem')); code: [(locals bytes, body bytes)]; data: [(offset, bytes)]."""
    out = b"\x00asm\x01\x00\x00\x00"
    out += section(1, vec(list(types)))
    if imports:
        out += section(2, vec([name(m) + name(n) + b"\x00" + uleb(t) for m, n, t in imports]))
    if funcs:
        out += section(3, vec([uleb(t) for t in funcs]))
    if memory is not None:
        out += section(5, vec([b"\x00" + uleb(memory)]))
    if exports:
        ex = []
        for n, idx in exports:
            if idx == "mem":
                ex.append(name(n) + b"\x02" + uleb(0))
            else:
                ex.append(name(n) + b"\x00" + uleb(idx))
        out += section(7, vec(ex))
    if start is not None:
        out += section(8, uleb(start))
    if code:
        bodies = []
        for local_decls, body in code:
            b = local_decls + body + b"\x0b"
            bodies.append(uleb(len(b)) + b)
        out += section(10, vec(bodies))
    if data:
        segs = [b"\x00" + b"\x41" + sleb(off) + b"\x0b" + uleb(len(d)) + d for off, d in data]
        out += section(11, vec(segs))
    return out


NO_LOCALS = b"\x00"


def i32_const(v):
    return b"\x41" + sleb(v)


def call(idx):
    return b"\x10" + uleb(idx)


LOCAL_GET = lambda i: b"\x20" + uleb(i)  # noqa: E731

# _start: unreachable
TRAP_WASM = module([functype([], [])], funcs=[0], exports=[("_start", 0)],
                   code=[(NO_LOCALS, b"\x00")])

# The start function (run during instantiation) traps.
START_TRAP_WASM = module([functype([], [])], funcs=[0, 0], exports=[("_start", 1)],
                         code=[(NO_LOCALS, b"\x00"), (NO_LOCALS, b"")], start=0)

# _start calls a function that divides by zero: a two-frame backtrace
DIV_WASM = module(
    [functype([], []), functype([], [I32])], funcs=[0, 1],
    exports=[("_start", 0)],
    code=[(NO_LOCALS, call(1) + b"\x1a"),
          (NO_LOCALS, i32_const(1) + i32_const(0) + b"\x6d")])

# add(i32,i32)->i32, fadd(f64,f64)->f64, neg(i64)->i64, pair()->(i32,f32)
MATH_WASM = module(
    [functype([I32, I32], [I32]), functype([F64, F64], [F64]), functype([I64], [I64]),
     functype([], [I32, F32])],
    funcs=[0, 1, 2, 3],
    exports=[("add", 0), ("fadd", 1), ("neg", 2), ("pair", 3)],
    code=[(NO_LOCALS, LOCAL_GET(0) + LOCAL_GET(1) + b"\x6a"),
          (NO_LOCALS, LOCAL_GET(0) + LOCAL_GET(1) + b"\xa0"),
          (NO_LOCALS, b"\x42\x00" + LOCAL_GET(0) + b"\x7d"),
          (NO_LOCALS, i32_const(7) + b"\x43" + struct.pack("<f", 0.5))])

# i64x2.add of two v128 parameters.
V128_WASM = module([functype([V128, V128], [V128])], funcs=[0], exports=[("add64x2", 0)],
                   code=[(NO_LOCALS, LOCAL_GET(0) + LOCAL_GET(1) + b"\xfd\xce\x01")])

# WASI pointer checks. Memory: iovec {65530, 100} at 0 (out of bounds),
# iovec {32, 3} at 8, "ok\n" at 32. _start computes
#   fd_write(1, 70000, 1, 16) + fd_write(1, 0, 1, 16) + fd_write(1, 8, 1, 16)
#   + args_sizes_get(65535, 0)
# and passes the sum to proc_exit: 21 + 21 + 0 + 21 = 63 when every bad
# pointer gives EFAULT and the good write works.
FD_WRITE, ARGS_SIZES, PROC_EXIT = 0, 1, 2
EFAULT_WASM = module(
    [functype([I32, I32, I32, I32], [I32]), functype([I32, I32], [I32]),
     functype([I32], []), functype([], [])],
    imports=[("wasi_snapshot_preview1", "fd_write", 0),
             ("wasi_snapshot_preview1", "args_sizes_get", 1),
             ("wasi_snapshot_preview1", "proc_exit", 2)],
    funcs=[3], memory=1, exports=[("_start", 3), ("memory", "mem")],
    code=[(NO_LOCALS,
           i32_const(1) + i32_const(70000) + i32_const(1) + i32_const(16) + call(FD_WRITE)
           + i32_const(1) + i32_const(0) + i32_const(1) + i32_const(16) + call(FD_WRITE)
           + b"\x6a"
           + i32_const(1) + i32_const(8) + i32_const(1) + i32_const(16) + call(FD_WRITE)
           + b"\x6a"
           + i32_const(65535) + i32_const(0) + call(ARGS_SIZES)
           + b"\x6a"
           + call(PROC_EXIT))],
    data=[(0, (65530).to_bytes(4, "little") + (100).to_bytes(4, "little")
           + (32).to_bytes(4, "little") + (3).to_bytes(4, "little")),
          (32, b"ok\n")])

# Imports something no one provides.
LINK_WASM = module([functype([], [])], imports=[("env", "missing", 0)], funcs=[0],
                   exports=[("_start", 1)], code=[(NO_LOCALS, b"")])

# Decodes but does not validate: a ()->i32 function with an empty body.
INVALID_WASM = module([functype([], [I32])], funcs=[0], code=[(NO_LOCALS, b"")])

# No _start, nothing to run.
LIBRARY_WASM = module([functype([], [])], funcs=[0], exports=[("f", 0)],
                      code=[(NO_LOCALS, b"")])

# ---------------------------------------------------------------------------
# The cases

FAILURES = []


def check(cond, what):
    print(("ok:   " if cond else "FAIL: ") + what)
    if not cond:
        FAILURES.append(what)


class Run:
    def __init__(self, argv, cwd=None, stdin=b""):
        p = subprocess.run(argv, capture_output=True, cwd=cwd, input=stdin, timeout=120)
        self.status = 128 - p.returncode if p.returncode < 0 else p.returncode
        self.out = p.stdout.decode(errors="replace")
        self.err = p.stderr.decode(errors="replace")
        print("$ " + " ".join(argv))
        print("  status %d" % self.status)
        for line in (self.out.splitlines()[:20]):
            print("  stdout| " + line)
        for line in (self.err.splitlines()[:20]):
            print("  stderr| " + line)


def write(tmp, filename, data):
    path = os.path.join(tmp, filename)
    with open(path, "wb") as f:
        f.write(data)
    return path


def case_version(t):
    r = Run([t.tern, "--version"])
    check(r.status == 0, "--version exits 0")
    check(r.out.startswith("tern ") and len(r.out.split()) >= 2, "--version prints 'tern X'")


def case_help(t):
    r = Run([t.tern, "help"])
    check(r.status == 0, "help exits 0")
    for word in ["run", "validate", "wast", "--dir", "--env", "--invoke", "--tier", "--version"]:
        check(word in r.out, "help mentions " + word)
    r = Run([t.tern, "--help"])
    check(r.status == 0 and "validate" in r.out, "--help works too")
    for word in ["-W, --wasm", "fuel=N", "timeout=DURATION", "max-memory-size=BYTES", "max-wasm-stack=BYTES",
                 "-S, --wasi", "inherit-env", "tcplisten=HOST:PORT"]:
        check(word in r.out, "help mentions " + word)


COMMANDS = ["run", "validate", "wast", "link", "compile", "version", "help"]


def case_command_help(t):
    """`tern help CMD`, `tern CMD --help` and `tern CMD -h` print the same
    text, that command's part of `tern help`, on stdout with status 0."""
    overview = Run([t.tern, "help"]).out
    for cmd in COMMANDS:
        forms = [[t.tern, "help", cmd], [t.tern, cmd, "--help"], [t.tern, cmd, "-h"]]
        if cmd == "help":
            forms = [[t.tern, "help", "help"], [t.tern, "help", "--help"]]
        texts = []
        for argv in forms:
            r = Run(argv)
            check(r.status == 0 and r.err == "", " ".join(argv[1:]) + ": exit 0, nothing on stderr")
            check(r.out.startswith("usage: tern " + cmd), " ".join(argv[1:]) + ": starts with 'usage: tern %s'" % cmd)
            texts.append(r.out)
        check(all(x == texts[0] for x in texts), cmd + ": every form prints the same text")
        # Its body is the command's part of `tern help`, indented there.
        synopsis, body = texts[0].split("\n", 1)
        indented = "\n".join(("    " + line) if line else "" for line in body.strip("\n").split("\n"))
        check("  " + synopsis[len("usage: tern "):] + "\n" in overview and indented in overview,
              cmd + ": the same piece is in `tern help`")
    r = Run([t.tern, "help", "run"])
    for word in ["--dir", "--invoke", "--tier", "-W, --wasm", "fuel=N", "-S, --wasi"]:
        check(word in r.out, "help run mentions " + word)
    r = Run([t.tern, "help", "frobnicate"])
    check(r.status == 2 and r.err.startswith("error: ") and "frobnicate" in r.err and r.out == "",
          "help for an unknown command is a usage error")


def case_usage_errors(t):
    for argv, what in [
        ([t.tern], "no command"),
        ([t.tern, "frobnicate"], "unknown command"),
        ([t.tern, "--bogus"], "unknown top-level flag"),
        ([t.tern, "run", "--bogus", t.hello], "unknown run flag"),
        ([t.tern, "run"], "run without a file"),
        ([t.tern, "run", "--tier=warp", t.hello], "bad --tier"),
        ([t.tern, "run", "--dir", "/nonexistent/tern-dir", t.hello], "--dir that does not exist"),
        ([t.tern, "run", "--env"], "--env without a value"),
        ([t.tern, "validate", "--bogus", t.hello], "unknown validate flag"),
        ([t.tern, "validate"], "validate without a file"),
        ([t.tern, "run", "-W", "bogus=1", t.hello], "unknown -W key"),
        ([t.tern, "run", "-S", "bogus", t.hello], "unknown -S key"),
        ([t.tern, "run", "-W", "fuel=x", t.hello], "bad -W value"),
        ([t.tern, "run", "-C", "compile-threads=abc", t.hello], "bad -C compile-threads"),
        ([t.tern, "run", "-C", "parallel-compilation=maybe", t.hello], "bad -C parallel-compilation"),
        ([t.tern, "run", "-C", "background-compilation=maybe", t.hello], "bad -C background-compilation"),
    ]:
        r = Run(argv)
        check(r.status == 2, what + " exits 2")
        # Without a command tern prints its usage; otherwise a one-line error.
        expect = "usage: " if len(argv) == 1 else "error: "
        check(r.err.startswith(expect) and r.out == "", what + " explains on stderr")
        if len(argv) > 1:
            check(r.err.count("\n") == 1, what + ": the error is one line")


def case_missing_file(t):
    r = Run([t.tern, "run", "/nonexistent/x.wasm"])
    check(r.status == 2, "run on a missing file exits 2")
    check("error:" in r.err and "/nonexistent/x.wasm" in r.err, "...naming the file")
    r = Run([t.tern, "validate", "/nonexistent/x.wasm"])
    check(r.status == 2, "validate on a missing file exits 2")
    r = Run([t.tern, "run", t.tmp])
    check(r.status == 2, "run on a directory exits 2")
    # tern wast FILE.json: a missing or damaged wast2json file is refused.
    r = Run([t.tern, "wast", "/nonexistent/x.json"])
    check(r.status == 2 and "/nonexistent/x.json" in r.err, "wast on a missing .json exits 2, naming it")
    bad = write(t.tmp, "bad.json", b"{bad")
    r = Run([t.tern, "wast", bad])
    check(r.status == 2 and "cannot read wast2json output" in r.err, "wast on a damaged .json exits 2 and says why")


def case_validate(t):
    r = Run([t.tern, "validate", t.hello])
    check(r.status == 0 and r.out.strip() == "ok", "validate hello.wasm prints ok")
    garbage = write(t.tmp, "garbage.wasm", b"this is not a wasm module at all")
    r = Run([t.tern, "validate", garbage])
    check(r.status == 1, "validate garbage exits 1")
    check(r.err.startswith("error: ") and "0x" in r.err, "garbage error names a byte offset")
    truncated = write(t.tmp, "truncated.wasm", open(t.hello, "rb").read()[:100])
    r = Run([t.tern, "validate", truncated])
    check(r.status == 1 and "0x" in r.err, "truncated module exits 1 with an offset")
    invalid = write(t.tmp, "invalid.wasm", INVALID_WASM)
    r = Run([t.tern, "validate", invalid])
    check(r.status == 1 and "0x" in r.err, "type error exits 1 with an offset")
    r = Run([t.tern, "run", garbage])
    check(r.status == 1 and r.err.startswith("error: "), "run garbage exits 1")


def case_features(t):
    """-W feature switches: extended-const is on by default and can be
    switched off (validate and run agree); unknown names, bad values and
    a feature name with a value are usage errors (exit 2)."""
    # A global initialized by (i32.add (i32.const 1) (i32.const 2)), exported, and nothing else.
    glob = section(6, vec([b"\x7f\x00\x41\x01\x41\x02\x6a\x0b"]))
    data = b"\x00asm\x01\x00\x00\x00" + glob
    path = write(t.tmp, "extconst.wasm", data)
    r = Run([t.tern, "validate", path])
    check(r.status == 0 and r.out.strip() == "ok", "extended-const is on by default")
    r = Run([t.tern, "validate", "-W", "extended-const=n", path])
    offset = len(data) - 2  # the i32.add
    check(r.status == 1 and ("at offset 0x%x: constant expression required" % offset) in r.err,
          "-W extended-const=n: 'constant expression required' at the i32.add (0x%x): %r" % (offset, r.err))
    r = Run([t.tern, "run", "-W", "all=n", "--invoke", "nothing", path])
    check(r.status == 1 and "constant expression required" in r.err, "run -W all=n rejects it too: %r" % r.err)
    for spec, words in [("extended-const=maybe", "must be y or n"), ("no-such-thing", "unknown")]:
        for cmd in (["validate", "-W", spec, path], ["run", "-W", spec, path]):
            r = Run([t.tern] + cmd)
            check(r.status == 2 and words in r.err, "%s: exit 2 with %r: %r" % (" ".join(cmd[:3]), words, r.err))
    r = Run([t.tern, "run", "-W", "help"])
    check(r.status == 0 and all(n in r.out for n in ("extended-const", "tail-call", "memory64", "all=y|n")),
          "-W help lists the features")


def case_exceptions(t):
    """-W exceptions: off by default (a tag section is then malformed); on, an
    exception no handler catches exits 134 naming the tag's export, and one a
    catch_all catches lets the call finish."""
    types = section(1, vec([b"\x60\x01\x7f\x00", b"\x60\x00\x00"]))
    funcs = section(3, vec([b"\x01", b"\x01"]))
    tags = section(13, vec([b"\x00\x00"]))  # tag 0: attribute 0, type 0 (param i32)
    exports = section(7, vec([name("_start") + b"\x00\x00", name("boom") + b"\x04\x00",
                              name("caught") + b"\x00\x01"]))
    throw_body = b"\x00\x41\x03\x08\x00\x0b"  # i32.const 3; throw 0
    caught_body = b"\x00\x06\x40\x10\x00\x19\x0b\x0b"  # try; call 0; catch_all; end
    code = section(10, vec([uleb(len(throw_body)) + throw_body, uleb(len(caught_body)) + caught_body]))
    data = b"\x00asm\x01\x00\x00\x00" + types + funcs + tags + exports + code
    path = write(t.tmp, "exceptions.wasm", data)
    tag_section_at = len(b"\x00asm\x01\x00\x00\x00" + types + funcs)
    r = Run([t.tern, "validate", path])
    check(r.status == 1 and ("at offset 0x%x: malformed section id" % tag_section_at) in r.err,
          "exceptions are off by default: the tag section is malformed: %r" % r.err)
    for tier in ("interp", "jit"):
        r = Run([t.tern, "run", "--tier=" + tier, "-W", "exceptions", path])
        check(r.status == 134 and r.err.startswith("error: wasm trap: uncaught exception (boom)"),
              "%s: an uncaught exception exits 134 naming its tag: %r" % (tier, r.err))
        check(r.err.count("\n  at ") == 1, "%s: the backtrace has the throwing frame: %r" % (tier, r.err))
        r = Run([t.tern, "run", "--tier=" + tier, "-W", "exceptions", "--invoke", "caught", path])
        check(r.status == 0, "%s: a catch_all catches it: %r" % (tier, r.err))


def case_run_errors(t):
    """`tern run` names the file in its errors, the way `tern validate` does."""
    for filename, data, what in [("garbage.wasm", b"this is not a wasm module at all", "bad magic"),
                                 ("truncated.wasm", open(t.hello, "rb").read()[:100], "truncated"),
                                 ("invalid.wasm", INVALID_WASM, "type error")]:
        path = write(t.tmp, filename, data)
        run, validate = Run([t.tern, "run", path]), Run([t.tern, "validate", path])
        check(run.status == 1 and run.err.startswith("error: " + path + ": at offset 0x"),
              what + ": run's error is 'error: FILE: at offset 0x..'")
        check(run.err == validate.err, what + ": run and validate print the same error")
    path = write(t.tmp, "link.wasm", LINK_WASM)
    r = Run([t.tern, "run", path])
    check(r.status == 1 and r.err.startswith("error: " + path + ": ") and "env.missing" in r.err,
          "a link error names the file and the import")
    lib = write(t.tmp, "lib.wasm", LIBRARY_WASM)
    r = Run([t.tern, "run", lib])
    check(r.status == 1 and r.err.startswith("error: " + lib + ": "), "no _start: the error names the file")
    r = Run([t.tern, "run", "--invoke", "nope", lib])
    check(r.status == 1 and r.err.startswith("error: " + lib + ": ") and "nope" in r.err,
          "a missing --invoke export: the error names the file")
    r = Run([t.tern, "run", "--preload", "dep=" + path, lib])
    check(r.status == 1 and r.err.startswith("error: " + path + ": "), "a preload's error names the preload")


WAT_TEXT = b"(module\n  (func (export \"_start\")))\n"


def case_wat(t):
    """Text format is recognised by name or by content, and the error says
    how to convert it."""
    for filename, data, what in [
        ("prog.wat", WAT_TEXT, ".wat file"),
        ("script.wast", b"(module)\n(assert_return (invoke \"f\"))\n", ".wast file"),
        ("text.wasm", b";; a comment\n  ;; another\n" + WAT_TEXT, "text named .wasm, after comments"),
        ("block.wasm", b"\xef\xbb\xbf(; block comment ;)" + WAT_TEXT, "text after a BOM and a block comment"),
    ]:
        path = write(t.tmp, filename, data)
        for cmd in ["run", "validate"]:
            r = Run([t.tern, cmd, path])
            check(r.status == 1, "%s: %s exits 1" % (what, cmd))
            check(r.err.startswith("error: " + path + ": ") and "text format" in r.err and "wat2wasm" in r.err
                  and r.err.count("\n") == 1,
                  "%s: %s says it is text format and how to convert it" % (what, cmd))
        if filename.endswith(".wat"):
            check("-o " + path[:-4] + ".wasm" in r.err, "the suggested command writes prog.wasm")
        if filename.endswith(".wast"):
            check("tern wast" in r.err, "a .wast script is pointed at `tern wast`")
    binary = write(t.tmp, "binary.wat", LIBRARY_WASM)
    r = Run([t.tern, "validate", binary])
    check(r.status == 0 and r.out == "ok\n", "a binary module named .wat is still a binary module")
    text = os.path.join(t.tmp, "prog.wat")
    r = Run([t.tern, "run", "--preload", "dep=" + text, t.hello])
    check(r.status == 1 and "text format" in r.err and text in r.err, "a text-format preload is recognised too")


def case_hello(t):
    r = Run([t.tern, "run", "--env", "NAME=Ada", t.hello, "one", "two words"])
    check(r.status == 0, "hello exits 0")
    check("Hello, Ada!" in r.out, "hello sees --env NAME")
    check('argv[2] = "two words"' in r.out, "hello sees its arguments")
    check("first 10 primes: 2 3 5 7 11 13 17 19 23 29" in r.out, "hello computes primes")
    r = Run([t.tern, "run", t.hello, "--stdin"], stdin=b"one two\nthree\n")
    check("stdin: 2 lines, 3 words, 14 bytes" in r.out, "hello reads stdin")
    r = Run([t.tern, "run", t.hello, "--exit", "7"])
    check(r.status == 7, "hello --exit 7 exits 7 (proc_exit)")
    check("exiting with status 7" in r.err, "hello writes to stderr")
    r = Run([t.tern, t.hello, "x"])
    check(r.status == 0 and "Hello, world!" in r.out, "`tern FILE.wasm` is `tern run`")
    r = Run([t.tern, "run", "--tier=interp", "--", t.hello])
    check(r.status == 0 and "Hello" in r.out, "--tier=interp and -- work")


def case_trap(t):
    path = write(t.tmp, "trap.wasm", TRAP_WASM)
    r = Run([t.tern, "run", path])
    check(r.status == 134, "a trap exits 134")
    check(r.err.startswith("error: wasm trap: "), "a trap prints 'error: wasm trap: ...'")
    check("unreachable" in r.err, "the trap message says unreachable")
    path = write(t.tmp, "div.wasm", DIV_WASM)
    r = Run([t.tern, "run", path])
    check(r.status == 134 and "integer divide by zero" in r.err, "divide by zero traps")
    check(r.err.count("\n  at ") >= 2, "the backtrace has both frames")
    path = write(t.tmp, "start.wasm", START_TRAP_WASM)
    r = Run([t.tern, "run", path])
    check(r.status == 134 and r.err.startswith("error: wasm trap: "),
          "a trap in the start function exits 134")


def case_invoke(t):
    path = write(t.tmp, "math.wasm", MATH_WASM)
    r = Run([t.tern, "run", "--invoke", "add", path, "2", "40"])
    check(r.status == 0 and r.out == "42\n", "--invoke add 2 40 prints 42")
    r = Run([t.tern, "run", "--invoke=add", path, "-1", "0x10"])
    check(r.out == "15\n", "negative and hex arguments")
    r = Run([t.tern, "run", "--invoke", "add", path, "2147483647", "1"])
    check(r.out == "-2147483648\n", "i32 results print signed")
    r = Run([t.tern, "run", "--invoke", "fadd", path, "1.5", "2.25"])
    check(r.out == "3.75\n", "f64 arguments and result")
    r = Run([t.tern, "run", "--invoke", "neg", path, "9000000000"])
    check(r.out == "-9000000000\n", "i64 argument and result")
    r = Run([t.tern, "run", "--invoke", "pair", path])
    check(r.out == "7\n0.5\n", "two results, one per line")
    r = Run([t.tern, "run", "--invoke", "add", path, "1"])
    check(r.status == 2, "wrong argument count exits 2")
    r = Run([t.tern, "run", "--invoke", "add", path, "1", "x"])
    check(r.status == 2, "unparsable argument exits 2")
    r = Run([t.tern, "run", "--invoke", "add", path, "1", "4294967296"])
    check(r.status == 2, "out-of-range i32 exits 2")
    r = Run([t.tern, "run", "--invoke", "nope", path])
    check(r.status == 1 and "nope" in r.err, "missing export exits 1")
    v128 = write(t.tmp, "v128.wasm", V128_WASM)
    for tier in ["interp", "jit"]:
        r = Run([t.tern, "run", "--tier=" + tier, "--invoke", "add64x2", v128,
                 "0x00000000000000020000000000000003", "0x1ffffffffffffffff"])
        check(r.status == 0 and r.out == "0x00000000000000030000000000000002\n",
              "v128 arguments in the printed form (" + tier + ")")
    r = Run([t.tern, "run", "--invoke", "add64x2", v128, "0x1", "12"])
    check(r.status == 2, "a v128 argument without 0x exits 2")
    r = Run([t.tern, "run", "--invoke", "add64x2", v128, "0x1", "0x" + "1" * 33])
    check(r.status == 2, "a v128 argument of more than 32 hex digits exits 2")
    lib = write(t.tmp, "lib.wasm", LIBRARY_WASM)
    r = Run([t.tern, "run", lib])
    check(r.status == 1 and "_start" in r.err, "no _start exits 1")


def case_jit_funcs(t):
    """TERN_JIT_FUNCS: the listed functions get the JIT, the others are
    interpreted, results unchanged; a malformed list is reported and ignored."""
    path = write(t.tmp, "math.wasm", MATH_WASM)
    base = dict(os.environ, TERN_JIT_STATS="1")
    base.pop("TERN_JIT_FUNCS", None)

    def run(value):
        env = dict(base)
        if value is not None:
            env["TERN_JIT_FUNCS"] = value
        p = subprocess.run([t.tern, "run", "--tier=jit", "--invoke", "add", path, "2", "40"],
                           capture_output=True, env=env, timeout=120)
        err = p.stderr.decode(errors="replace")
        print("$ TERN_JIT_FUNCS=%s ... -> status %d, stdout %r" % (value, p.returncode, p.stdout))
        for line in err.splitlines()[:10]:
            print("  stderr| " + line)
        m = re.search(r"jit: (\d+) of (\d+) functions compiled", err)
        return p.returncode, p.stdout, err, (int(m.group(1)), int(m.group(2))) if m else None

    status, out, err, full = run(None)
    check(status == 0 and out == b"42\n" and full and full[0] == full[1] > 1,
          "without TERN_JIT_FUNCS every function is compiled")
    total = full[1] if full else 0
    status, out, err, counts = run("0")
    check(status == 0 and out == b"42\n", "TERN_JIT_FUNCS=0 gives the same result")
    check(counts == (1, total) and "%d functions interpreted by TERN_JIT_FUNCS" % (total - 1) in err,
          "TERN_JIT_FUNCS=0 compiles function 0 only")
    status, out, err, counts = run("!0")
    check(status == 0 and out == b"42\n" and counts == (total - 1, total), "TERN_JIT_FUNCS=!0 excludes function 0")
    status, out, err, counts = run("0-1000")
    check(counts == (total, total), "a range covering everything compiles everything")
    for bad in ("x", "3-1", "1,", "-2", "1;2"):
        status, out, err, counts = run(bad)
        check(status == 0 and out == b"42\n" and "ignoring TERN_JIT_FUNCS" in err and counts == (total, total),
              "malformed TERN_JIT_FUNCS=%r is reported and ignored" % bad)


def case_link_error(t):
    path = write(t.tmp, "link.wasm", LINK_WASM)
    r = Run([t.tern, "run", path])
    check(r.status == 1, "unresolved import exits 1")
    check(r.err.startswith("error: ") and "missing" in r.err, "the error names the import")


def case_efault(t):
    path = write(t.tmp, "efault.wasm", EFAULT_WASM)
    r = Run([t.tern, "run", path])
    check(r.status == 63, "bad guest pointers give EFAULT (exit 63 = 21+21+0+21)")
    check(r.out == "ok\n", "the good fd_write still writes")


def case_sandbox(t):
    root = os.path.join(t.tmp, "sandbox")
    os.makedirs(os.path.join(root, "box", "inner"))
    with open(os.path.join(root, "outside.txt"), "w") as f:
        f.write("secret\n")
    with open(os.path.join(root, "box", "inside.txt"), "w") as f:
        f.write("fine\n")
    os.symlink("../outside.txt", os.path.join(root, "box", "link"))
    box = os.path.join(root, "box")
    r = Run([t.tern, "run", "--dir", ".", t.sys, "escape"], cwd=box)
    check(r.status == 0, "escape probe runs")
    for probe in ["../outside.txt", "inner/../../outside.txt", "/etc/passwd", "link"]:
        check(probe + ": blocked" in r.out, "cannot open " + probe)
    check("inside.txt: opened" in r.out, "can open inside.txt")
    r = Run([t.tern, "run", "--dir", box + "::/data", t.sys, "escape"], cwd=root)
    check("inside.txt: blocked" in r.out, "nothing is reachable without a matching preopen")


CASES = {
    "version": case_version,
    "help": case_help,
    "command-help": case_command_help,
    "run-errors": case_run_errors,
    "wat": case_wat,
    "usage-errors": case_usage_errors,
    "missing-file": case_missing_file,
    "validate": case_validate,
    "features": case_features,
    "exceptions": case_exceptions,
    "hello": case_hello,
    "trap": case_trap,
    "invoke": case_invoke,
    "link-error": case_link_error,
    "jit-funcs": case_jit_funcs,
    "efault": case_efault,
    "sandbox": case_sandbox,
}


class Ctx:
    pass


def case_main(doc, cases, paths, prefix):
    """The command line shared by the CLI test scripts: TERN, then one
    absolute path per name in `paths` (set as attributes of the context),
    then a case name or --list. Runs the case in a fresh temporary
    directory (t.tmp) and returns the exit status."""
    if len(sys.argv) != len(paths) + 3:
        print(doc)
        return 2
    case = sys.argv[-1]
    if case == "--list":
        print("\n".join(cases))
        return 0
    t = Ctx()
    t.tern = os.path.abspath(sys.argv[1])
    for attr, value in zip(paths, sys.argv[2:-1]):
        setattr(t, attr, os.path.abspath(value))
    fn = cases.get(case)
    if fn is None:
        print("unknown case " + case)
        return 2
    with tempfile.TemporaryDirectory(prefix=prefix) as tmp:
        t.tmp = tmp
        fn(t)
    if FAILURES:
        print("%d check(s) failed" % len(FAILURES))
        return 1
    print("all checks passed")
    return 0


def main():
    return case_main(__doc__, CASES, ["hello", "sys"], "tern-cli-")


if __name__ == "__main__":
    sys.exit(main())
