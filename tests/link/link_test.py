#!/usr/bin/env python3
"""Tests for `tern link`.

usage: link_test.py TERN WASM_DIR CASE [WASM_VALIDATE [WASM_INTERP]]

WASM_DIR holds the modules built from this directory's .wat and .c files.
A success case links a main module with its dependencies, checks the result
with wabt's wasm-validate (when given) and `tern validate`, then runs every
listed export twice -- the original modules with `tern run --preload`, and
the linked module alone -- and requires the same stdout, exit status and
first stderr line from both, plus the expected output where one is listed.
A case whose output has several memories (multi-memory) also runs the
linked module on another engine: wabt's wasm-interp (when given), and node
when its V8 takes --experimental-wasm-multi-memory (node 20's does not:
then it says so and skips node).
An error case checks the exit status and the one-line message.
"""

import os
import shutil
import subprocess
import sys
import tempfile


def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)


# ---------------------------------------------------------------------------
# A little wasm reader: sections and imports of the linked output.

def read_u32(data, pos):
    result = shift = 0
    while True:
        b = data[pos]
        pos += 1
        result |= (b & 0x7F) << shift
        shift += 7
        if not b & 0x80:
            return result, pos


def sections(data):
    assert data[:8] == b"\0asm\1\0\0\0", "bad header"
    pos, out = 8, []
    while pos < len(data):
        sid = data[pos]
        size, pos = read_u32(data, pos + 1)
        out.append((sid, data[pos:pos + size]))
        pos += size
    return out


def read_name(data, pos):
    n, pos = read_u32(data, pos)
    return data[pos:pos + n].decode(), pos + n


def read_limits(data, pos):
    flags = data[pos]
    lo, pos = read_u32(data, pos + 1)
    hi = None
    if flags & 1:
        hi, pos = read_u32(data, pos)
    return (lo, hi), pos


def imports(data, with_limits=False):
    """[(module, name, kind)] of the import section; with_limits adds the
    (min, max) of tables and memories (None for the others)."""
    out = []
    for sid, payload in sections(data):
        if sid != 2:
            continue
        count, pos = read_u32(payload, 0)
        for _ in range(count):
            mod, pos = read_name(payload, pos)
            name, pos = read_name(payload, pos)
            kind = payload[pos]
            pos += 1
            limits = None
            if kind == 0:
                _, pos = read_u32(payload, pos)
            elif kind == 1:
                limits, pos = read_limits(payload, pos + 1)
            elif kind == 2:
                limits, pos = read_limits(payload, pos)
            else:
                pos += 2
            entry = (mod, name, ["func", "table", "memory", "global", "tag"][kind])
            out.append(entry + (limits,) if with_limits else entry)
    return out


def count_memories(data):
    n = sum(1 for m in imports(data) if m[2] == "memory")
    for sid, payload in sections(data):
        if sid == 5:
            n += read_u32(payload, 0)[0]
    return n


def defined_memory_pages(data):
    """Initial pages of the memories the module defines."""
    for sid, payload in sections(data):
        if sid == 5:
            count, pos = read_u32(payload, 0)
            out = []
            for _ in range(count):
                (lo, _), pos = read_limits(payload, pos)
                out.append(lo)
            return out
    return []


def fnv1a(values):
    h = 2166136261
    for v in values:
        h = ((h ^ (v & 0xFFFFFFFF)) * 16777619) & 0xFFFFFFFF
    return h


def mm_c_output(wasm_dir):
    """What mm_main.c prints, from its inputs and mm_lib.c's."""
    logged = [i * 3 - 7 for i in range(1, 41)]
    greeting = b"the library's own data"
    with open(os.path.join(wasm_dir, "mm_lib.wasm"), "rb") as f:
        pages = defined_memory_pages(f.read())[0] + 2
    own = "main's own data"
    return ("records: %d, total: %d\n" % (len(logged), sum(logged)) +
            "checksum: %08x\n" % fnv1a(list(greeting) + logged) +
            "library pages: %d\n" % pages +
            "own: %s, %d bytes, squares: %d\n" % (own, len(own), sum(i * i for i in range(32))))


def has_name_section(data):
    for sid, payload in sections(data):
        if sid == 0 and read_name(payload, 0)[0] == "name":
            return True
    return False


# ---------------------------------------------------------------------------
# Cases

def trap(message):
    return (None, 134, "error: wasm trap: " + message)


def ints(*values):
    return "".join("%d\n" % v for v in values)


def byte_sum(s):
    return sum(s.encode())


# name: main module, link arguments for the dependencies, preload order
# (instantiation order), runs as (export or None for _start, args,
# expected stdout or None, expected exit status[, expected first stderr line]).
SUCCESS = {
    "calls": dict(
        main="calls_main", deps=["math=calls_math"], preload=["math=calls_math"],
        runs=[("compute", ["3", "4"], ints(50), 0),
              ("fact", ["20"], ints(2432902008176640000), 0),
              ("divmod", ["17", "5"], ints(3, 2), 0),
              ("hyp", ["3", "4"], "5\n", 0),
              ("add", ["2", "40"], ints(42), 0)]),
    "memory": dict(
        main="mem_main", deps=["store=mem_store"], preload=["store=mem_store"],
        runs=[("sum_dep_data", [], ints(byte_sum("hello from dep")), 0),
              ("sum_main_data", [], ints(byte_sum("main data")), 0),
              ("poke_then_read", ["100", "77"], ints(77), 0),
              ("passive", [], ints(byte_sum("PASSIVE-DEP"), byte_sum("passive-main!")), 0),
              ("grow", [], ints(1, 3, 3), 0),
              ("grow_too_much", [], ints(-1), 0),
              ("fill_copy", [], ints(70), 0),
              ("wide", [], ints(0x1122334455667788) + "1.5\n-2.25\n", 0),
              ("oob", []) + trap("out of bounds memory access")]),
    "globals": dict(
        main="glob_main", deps=["cfg=glob_cfg"], preload=["cfg=glob_cfg"],
        # cfg's start adds 100 to the counter before main's (deferred)
        # element segments are applied.
        runs=[("get", [], ints(2002), 0),
              ("count", [], ints(118, 118), 0),
              ("pi2", [], "6.5\n", 0),
              ("indirect", [], ints(7, 8), 0),
              ("myref", [], ints(7), 0)]),
    "tables": dict(
        main="tab_main", deps=["ops=tab_ops"], preload=["ops=tab_ops"],
        runs=[("dep_slots", [], ints(11, 20, 30), 0),
              ("own", ["5"], ints(15), 0),
              ("own_apply", [], ints(10), 0),
              ("passive", [], ints(-7, 49, 21, 6), 0),
              ("tableops", [], ints(8, 8, 101, 99, 15), 0),
              ("refs", [], ints(1, 0, 64), 0),
              ("uninit", []) + trap("uninitialized element"),
              ("oob", []) + trap("undefined element"),
              ("mismatch", []) + trap("indirect call type mismatch")]),
    "start": dict(
        main="start_main", deps=["a=start_a", "b=start_b"], preload=["a=start_a", "b=start_b"],
        # log: a's start, then b's, then main's. bytes: "A", a's start
        # writes 'a' at 1, b's segment overwrites it with "B" afterwards, b's
        # start copies it to 2, main's segment writes "M" at 3, its start
        # copies it to 4.
        runs=[("log", [], ints(123), 0),
              ("bytes", [], ints(int.from_bytes(b"ABBMM\0\0\0", "little")), 0)]),
    "wasi": dict(
        main="wasi_main", deps=["printer=wasi_printer"], preload=["printer=wasi_printer"],
        runs=[(None, [], "hello from the dependency\nhello from main\nhello from the dependency\n", 7)],
        imports=[("wasi_snapshot_preview1", "fd_write", "func"),
                 ("wasi_snapshot_preview1", "proc_exit", "func")]),
    "chain": dict(
        # Names from the file names; chain_mid imports chain_base but is
        # given first: the linker orders them.
        main="chain_main", deps=["chain_mid", "chain_base"],
        preload=["chain_base=chain_base", "chain_mid=chain_mid"],
        runs=[("run", [], ints(42, 2, 40, 42, 42, 43), 0)],
        imports=[]),
    "c": dict(
        # clang-built: main imports functions from module "lib"; the
        # library's own (unused) memory is dropped.
        main="c_main", deps=["lib=c_lib"], preload=["lib=c_lib"],
        runs=[(None, ["12"], None, 4), (None, ["5"], None, 1)],
        memories=1),
    "dedup": dict(
        # Unsatisfied imports of both modules, merged where one definition
        # can satisfy both (nothing here provides "env": link and validate
        # only).
        main="dedup_main", deps=["dd=dedup_dep"], preload=[], runs=[], features=["exceptions"],
        imports=[("env", "memory", "memory", (2, 10)), ("env", "f", "func", None),
                 ("env", "f", "func", None), ("env", "g", "global", None),
                 ("env", "tbl", "table", (8, None)), ("env", "t", "tag", None), ("env", "t", "tag", None),
                 ("env", "g", "global", None)]),
    "tags": dict(
        # Exception handling: main imports a tag and throwing functions
        # from "exc" and has a tag of its own, whose index moves (the
        # dependency's two tags come first); caught across the two
        # modules, by tag and by catch_all, rethrown through a delegate,
        # and uncaught (the trap names the tag).
        main="exc_main", deps=["exc=exc_dep"], preload=["exc=exc_dep"], features=["exceptions"],
        runs=[("catch_dep", ["5"], ints(1005), 0),
              ("catch_all_other", [], ints(7), 0),
              ("own", [], "2.5\n", 0),
              ("rethrow", ["4"], ints(8), 0),
              ("guard", ["3"], ints(1), 0),
              ("uncaught_dep", []) + trap("uncaught exception (e)"),
              ("uncaught_own", []) + trap("uncaught exception (mine)")]),
    "two-memories": dict(
        # Both modules own a memory: the output keeps both, main's first.
        main="twomem_main", deps=["twomem=twomem_dep"], preload=["twomem=twomem_dep"],
        runs=[("both", [], ints(5, 7), 0),
              ("poke_both", [], ints(42, 7), 0)],
        memories=2),
    "c-two-memories": dict(
        # clang-built, each with its own memory: a WASI program and a
        # library without libc whose data and statics overlap main's.
        main="mm_main", deps=["mmlib=mm_lib"], preload=["mmlib=mm_lib"],
        runs=[(None, [], "mm_c_output", 0)],
        memories=2),
    "solo": dict(
        # No dependencies: the module is rewritten as it is.
        main="tab_ops", deps=[], preload=[],
        runs=[("apply", ["0", "5"], ints(6), 0), ("apply", ["1", "5"], ints(10), 0)]),
}

# name: (main, dependency arguments, expected substrings of the message,
#        exit status of the preloaded run or None to skip it)
ERRORS = {
    "err-wasi-memory": ("err_wasimem_main", ["printer=wasi_printer"],
                        ["wasi_printer.wasm imports wasi_snapshot_preview1.fd_write", "has a memory of its own",
                         "WASI reads memory 0", "err_wasimem_main.wasm"], None),
    "err-type-clash": ("err_clash_main", ["math=calls_math"],
                       ["type clash", "err_clash_main.wasm", "math.add", "func (i64, i64) -> (i64)",
                        "calls_math.wasm", "func (i32, i32) -> (i32)"], 1),
    "err-kind-clash": ("err_kind_main", ["math=calls_math"],
                       ["type clash", "math.add", "global i32", "func (i32, i32) -> (i32)"], 1),
    "err-mut-clash": ("err_mut_main", ["cfg=glob_cfg"],
                      ["type clash", "cfg.base", "global mut i32", "global i32"], 1),
    "err-missing-export": ("err_missing_main", ["math=calls_math"],
                           ["missing export", "math.nope", "calls_math.wasm", "'nope'"], 1),
    "err-conflicting-imports": ("err_limits_main", ["dd=dedup_dep"],
                                ["conflicting imports of env.memory", "memory 2..10",
                                 "memory 11..12"], None),
    "err-cycle": ("err_cycle_main", ["err_cycle_a", "err_cycle_b"],
                  ["circular", "err_cycle_a.wasm", "err_cycle_b.wasm"], None),
}


class Runner:
    def __init__(self, tern, wasm_dir, validator, interp=""):
        self.tern = tern
        self.dir = wasm_dir
        self.validator = validator
        self.interp = interp
        self.tmp = tempfile.mkdtemp(prefix="tern-link-")

    def path(self, stem):
        return os.path.join(self.dir, stem + ".wasm")

    def dep_arg(self, spec):
        if "=" in spec:
            name, stem = spec.split("=", 1)
            return name + "=" + self.path(stem)
        return self.path(spec)

    def tern_cmd(self, args):
        p = subprocess.run([self.tern] + args, capture_output=True, text=True, timeout=120)
        return p.returncode, p.stdout, p.stderr

    def link(self, main, deps, out, extra=()):
        return self.tern_cmd(["link", self.path(main)] + [self.dep_arg(d) for d in deps] +
                             ["-o", out] + list(extra))

    # A case's features: "-W NAME" for tern, "--enable-NAME" for wabt.
    @staticmethod
    def tern_flags(case):
        return [a for f in case.get("features", []) for a in ("-W", f)]

    def validate(self, out, case=None):
        wabt = ["--enable-" + f for f in (case or {}).get("features", [])]
        if self.validator:
            p = subprocess.run([self.validator, "--enable-multi-memory"] + wabt + [out], capture_output=True,
                               text=True)
            if p.returncode != 0:
                fail("wasm-validate rejects %s:\n%s%s" % (out, p.stdout, p.stderr))
        rc, so, se = self.tern_cmd(["validate"] + self.tern_flags(case or {}) + [out])
        if rc != 0:
            fail("tern validate rejects %s: %s" % (out, se))

    def success(self, name, case):
        out = os.path.join(self.tmp, name + ".wasm")
        rc, so, se = self.link(case["main"], case["deps"], out)
        if rc != 0 or se:
            fail("tern link exited %d: %s" % (rc, se))
        self.validate(out, case)
        data = open(out, "rb").read()
        if "imports" in case:
            with_limits = any(len(i) > 3 for i in case["imports"])
            got = imports(data, with_limits)
            if got != case["imports"]:
                fail("imports of the output: %r, expected %r" % (got, case["imports"]))
        if "memories" in case and count_memories(data) != case["memories"]:
            fail("the output has %d memories, expected %d" % (count_memories(data), case["memories"]))
        preload = []
        for spec in case["preload"]:
            n, stem = spec.split("=", 1)
            preload += ["--preload", n + "=" + self.path(stem)]
        for run in case["runs"]:
            invoke, args, want_out, want_rc = run[:4]
            if want_out == "mm_c_output":
                want_out = mm_c_output(self.dir)
            want_err = run[4] if len(run) > 4 else None
            inv = ["--invoke", invoke] if invoke else []
            flags = self.tern_flags(case)
            a = self.tern_cmd(["run"] + flags + preload + inv + [self.path(case["main"])] + args)
            b = self.tern_cmd(["run"] + flags + inv + [out] + args)
            label = "%s %s" % (invoke or "_start", " ".join(args))
            first = lambda s: s.splitlines()[0] if s else ""
            if (a[0], a[1], first(a[2])) != (b[0], b[1], first(b[2])):
                fail("%s: preloaded and linked runs differ:\npreloaded: exit %d\n%s%s\nlinked: exit %d\n%s%s"
                     % (label, a[0], a[1], a[2], b[0], b[1], b[2]))
            if a[0] != want_rc:
                fail("%s: exit status %d, expected %d\n%s" % (label, a[0], want_rc, a[2]))
            if want_out is not None and a[1] != want_out:
                fail("%s: output %r, expected %r" % (label, a[1], want_out))
            if want_err is not None and first(a[2]) != want_err:
                fail("%s: stderr %r, expected %r" % (label, first(a[2]), want_err))
            if invoke is None and want_out is None and not a[1]:
                fail("%s: no output" % label)
            print("ok   %-28s exit %d  %s" % (label, a[0], a[1].strip().replace("\n", " ")[:60]))
            if count_memories(data) > 1:
                self.other_engines(out, invoke, args, a)
        print("linked %s: %d bytes, identical to preloading in %d runs" % (name, len(data), len(case["runs"])))

    # The linked multi-memory module on engines other than Tern: the same
    # stdout and exit status as the preloaded run `want` (rc, stdout, stderr).
    def other_engines(self, out, invoke, args, want):
        if args:
            fail("other engines: arguments are not passed on")
        if self.interp:
            # wasm-interp runs either _start (--wasi) or every export, in
            # export order in one instance (the cases' exports give the same
            # results that way): its line "NAME() => i32:5, i32:7" becomes one
            # value a line, as tern prints them.
            cmd = [self.interp, "--enable-multi-memory"]
            cmd += ["--wasi", out] if invoke is None else ["--run-all-exports", out]
            p = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
            got = p.stdout
            if invoke is None and "wasi support not compiled in" in p.stderr:
                print("skip wasm-interp: built without WASI (Debian's wabt)")
                got = None
            elif invoke is not None:
                line = [s for s in p.stdout.splitlines() if s.startswith(invoke + "() =>")]
                values = line[0].split("=>", 1)[1].strip().split(", ") if line else []
                got = "".join(v.split(":", 1)[1] + "\n" for v in values if v)
            if got is not None:
                if (p.returncode, got) != (want[0], want[1]):
                    fail("wasm-interp: exit %d, %r; tern: exit %d, %r (%s)" % (p.returncode, got, want[0], want[1],
                                                                              p.stderr))
                print("ok   wasm-interp agrees")
        node = shutil.which("node")
        if not node:
            print("skip node: not installed")
            return
        flag = "--experimental-wasm-multi-memory"
        if subprocess.run([node, flag, "-e", "0"], capture_output=True).returncode != 0:
            print("skip node: its V8 has no %s" % flag)
            return
        script = os.path.join(os.path.dirname(os.path.abspath(__file__)), "node_run.mjs")
        p = subprocess.run([node, flag, "--no-warnings", script, out] + ([invoke] if invoke else []),
                           capture_output=True, text=True, timeout=120)
        if (p.returncode, p.stdout) != (want[0], want[1]):
            fail("node: exit %d, %r; tern: exit %d, %r (%s)" % (p.returncode, p.stdout, want[0], want[1], p.stderr))
        print("ok   node agrees")

    def error(self, name, case):
        main, deps, needles, preload_rc = case
        out = os.path.join(self.tmp, name + ".wasm")
        rc, so, se = self.link(main, deps, out)
        if rc != 1:
            fail("tern link exited %d, expected 1: %s" % (rc, se))
        lines = se.strip().splitlines()
        if len(lines) != 1 or not lines[0].startswith("error: "):
            fail("expected one 'error: ' line, got %r" % se)
        for n in needles:
            if n not in se:
                fail("message %r lacks %r" % (se.strip(), n))
        if os.path.exists(out):
            fail("an output file was written despite the error")
        print("ok   " + lines[0])
        if preload_rc is not None:
            preload = []
            for d in deps:
                n, stem = d.split("=", 1)
                preload += ["--preload", n + "=" + self.path(stem)]
            invoke = "go"
            prc, pso, pse = self.tern_cmd(["run"] + preload + ["--invoke", invoke, self.path(main)])
            if prc != preload_rc:
                fail("preloaded run exited %d, expected %d: %s" % (prc, preload_rc, pse))
            print("ok   preloaded: exit %d %s" % (prc, (pse or pso).strip().replace("\n", " ")))

    def usage(self):
        out = os.path.join(self.tmp, "u.wasm")
        math = "math=" + self.path("calls_math")
        main = self.path("calls_main")
        checks = [
            ([], 2, "missing MAIN.wasm"),
            ([main, math], 2, "missing -o"),
            ([main, math, "-o"], 2, "needs a value"),
            ([main, math, "--frobnicate", "-o", out], 2, "unknown option"),
            ([main, os.path.join(self.tmp, "absent.wasm"), "-o", out], 2, "cannot read"),
            ([os.path.join(self.tmp, "absent.wasm"), math, "-o", out], 2, "cannot read"),
            ([main, math, "math=" + self.path("glob_cfg"), "-o", out], 2, "two dependencies are named 'math'"),
            ([main, "=" + self.path("calls_math"), "-o", out], 2, "cannot read"),
            ([main, "math=", "-o", out], 2, "NAME=FILE.wasm"),
        ]
        for args, want_rc, needle in checks:
            rc, so, se = self.tern_cmd(["link"] + args)
            if rc != want_rc or needle not in se:
                fail("tern link %s: exit %d (expected %d), stderr %r (expected %r)"
                     % (" ".join(args), rc, want_rc, se, needle))
            if os.path.exists(out):
                fail("tern link %s wrote an output" % " ".join(args))
            print("ok   tern link %s -> %d" % (" ".join(os.path.basename(a) for a in args), rc))
        rc, so, se = self.tern_cmd(["link", "--help"])
        if rc != 0 or "usage: tern link" not in so:
            fail("tern link --help: exit %d, %r" % (rc, so))
        # Input that does not decode or validate: exit 1 with its path.
        bad = os.path.join(self.tmp, "bad.wasm")
        with open(bad, "wb") as f:
            f.write(b"\0asm\1\0\0\0\1\5\1\x60\0\1")  # truncated type section
        rc, so, se = self.tern_cmd(["link", main, "math=" + bad, "-o", out])
        if rc != 1 or "bad.wasm: at offset" not in se or len(se.strip().splitlines()) != 1:
            fail("invalid input: exit %d, %r" % (rc, se))
        print("ok   " + se.strip())
        with open(bad, "wb") as f:
            f.write(b"not wasm")
        rc, so, se = self.tern_cmd(["link", bad, "-o", out])
        if rc != 1 or "magic header" not in se:
            fail("not wasm: exit %d, %r" % (rc, se))
        print("ok   " + se.strip())
        # Option spellings, --no-names, and the output replacing a file.
        for spelling in (["-o", out], ["-o" + out], ["--output", out], ["--output=" + out]):
            if os.path.exists(out):
                os.unlink(out)
            rc, so, se = self.tern_cmd(["link"] + spelling + [main, math])
            if rc != 0 or not os.path.exists(out):
                fail("tern link %s: exit %d %s" % (" ".join(spelling), rc, se))
        if not has_name_section(open(out, "rb").read()):
            fail("expected a name section")
        rc, so, se = self.tern_cmd(["link", main, math, "-o", out, "--no-names"])
        if rc != 0 or has_name_section(open(out, "rb").read()):
            fail("--no-names: exit %d, name section present" % rc)
        self.validate(out)
        rc, so, se = self.tern_cmd(["run", "--invoke", "compute", out, "1", "2"])
        if rc != 0 or so != "10\n":
            fail("--no-names output runs wrong: %d %r %r" % (rc, so, se))
        print("ok   option spellings, --no-names")


def main():
    if len(sys.argv) < 4:
        print(__doc__)
        return 2
    tern, wasm_dir, case = sys.argv[1:4]
    validator = sys.argv[4] if len(sys.argv) > 4 else ""
    interp = sys.argv[5] if len(sys.argv) > 5 else ""
    r = Runner(tern, wasm_dir, validator, interp)
    try:
        if case in SUCCESS:
            r.success(case, SUCCESS[case])
        elif case in ERRORS:
            r.error(case, ERRORS[case])
        elif case == "usage":
            r.usage()
        else:
            print("unknown case " + case)
            return 2
    finally:
        shutil.rmtree(r.tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
