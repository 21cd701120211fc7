#!/usr/bin/env python3
"""Checks of the backtraces `tern run` prints when the guest traps, on one
tier (`--tier=interp`, `--tier=jit` or `--tier=jit --bounds-checks`):

- every frame names its function (name section, else export name, else
  wasm-function[N]) and the byte offset in the module of the instruction
  that trapped (innermost frame) or of the call (outer frames), for each
  kind of trap site: unreachable, division, a trapping conversion, a bad
  call_indirect, a load out of bounds (a guard-page fault on the JIT) and a
  bulk memory operation out of bounds;
- C++ and Rust (legacy and v0) names are demangled;
- long runs of one function are folded with the exact count, and the
  outermost frames (_start, __main_void, main) are always shown.

usage: backtrace_test.py TERN TIER-OPTION... [--list | CASE]

The module is assembled here byte by byte, so the expected offsets come
from its construction, not from tern.
"""
import os
import re
import subprocess
import sys
import tempfile

# ---------------------------------------------------------------------------
# A Wasm writer that remembers where marked instructions land.


sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cli_test import name, section, sleb, uleb, vec  # noqa: E402  (the shared byte writers)


I32, F32 = 0x7F, 0x7D


class Body:
    """A function body: instructions appended one by one; mark(label)
    records where the next instruction starts."""

    def __init__(self):
        self.code = bytearray(b"\x00")  # no locals
        self.marks = {}

    def mark(self, label):
        self.marks[label] = len(self.code)
        return self

    def __call__(self, *instrs):
        for i in instrs:
            self.code += i
        return self


def i32_const(v):
    return b"\x41" + sleb(v)


def call(f):
    return b"\x10" + uleb(f)


def local_get(i):
    return b"\x20" + uleb(i)


UNREACHABLE, DROP, END = b"\x00", b"\x1a", b"\x0b"
I32_EQZ, I32_SUB, I32_DIV_S = b"\x45", b"\x6b", b"\x6d"


class Module:
    def __init__(self):
        self.types, self.funcs, self.exports, self.names = [], [], [], {}

    def type(self, params, results):
        t = b"\x60" + vec([bytes([p]) for p in params]) + vec([bytes([r]) for r in results])
        if t not in self.types:
            self.types.append(t)
        return self.types.index(t)

    def func(self, params, results, body, name=None, export=None):
        self.funcs.append((self.type(params, results), body))
        idx = len(self.funcs) - 1
        if name is not None:
            self.names[idx] = name
        if export is not None:
            self.exports.append((export, idx))
        return idx

    def build(self):
        """Returns the bytes and, per function, the absolute offset of its
        body (after the size) so marks become module offsets."""
        out = bytearray(b"\x00asm\x01\x00\x00\x00")
        out += section(1, vec(self.types))
        out += section(3, vec([uleb(t) for t, _ in self.funcs]))
        out += section(4, vec([b"\x70\x00" + uleb(1)]))  # table: 1 null funcref
        out += section(5, vec([b"\x00" + uleb(1)]))  # memory: 1 page
        out += section(7, vec([name(n) + b"\x00" + uleb(i) for n, i in self.exports]))
        payload = bytearray(uleb(len(self.funcs)))
        rel = []
        for _, body in self.funcs:
            code = bytes(body.code) + END
            payload += uleb(len(code))
            rel.append(len(payload))
            payload += code
        head = bytes([10]) + uleb(len(payload))
        code_start = len(out) + len(head)
        starts = [code_start + r for r in rel]
        out += head + payload
        names = vec([uleb(i) + name(n) for i, n in sorted(self.names.items())])
        out += section(0, name("name") + bytes([1]) + uleb(len(names)) + names)
        return bytes(out), starts


# ---------------------------------------------------------------------------
# The test module

CXX = ("_ZN3app6detail6Widget5countEv", "app::detail::Widget::count()")
RUST_LEGACY = ("_ZN6shapes5inner6deeper3fib17h5953dd5253986bacE", "shapes::inner::deeper::fib")
RUST_V0 = ("_RNvXCs3quWQQWQjUt_6shapesNtB2_6SquareNtB2_5Shape4area", "<shapes::Square as shapes::Shape>::area")

LEAF_CASES = ["unreachable", "div", "trunc", "call_indirect", "load", "fill"]


def build_module():
    m = Module()
    OUTER, MIDDLE, LEAF, REC, DEEP, START, MAIN_VOID, MAIN = range(8)
    MANGLED_CXX, MANGLED_LEGACY, MANGLED_V0, ANON, ANON_CALLER = range(8, 13)
    T_VOID_I32 = m.type([], [I32])

    outer = Body()(local_get(0)).mark("call")(call(MIDDLE))
    middle = Body()(i32_const(7), DROP, local_get(0)).mark("call")(call(LEAF))
    # leaf(sel): br_table to one trapping instruction per case.
    leaf = Body()
    n = len(LEAF_CASES)
    for _ in range(n):
        leaf(b"\x02\x40")  # block
    leaf(local_get(0), b"\x0e" + uleb(n) + b"".join(uleb(i) for i in range(n)) + uleb(n - 1))
    leaf(END)  # case 0 follows the innermost block
    leaf.mark("unreachable")(UNREACHABLE, END)
    leaf(i32_const(1), i32_const(0)).mark("div")(I32_DIV_S, DROP, END)
    leaf(b"\x43" + b"\x00\x00\xc0\x7f").mark("trunc")(b"\xa8", DROP, END)  # f32 nan; i32.trunc_f32_s
    leaf(i32_const(0)).mark("call_indirect")(b"\x11" + uleb(T_VOID_I32) + uleb(0), DROP, END)
    leaf(i32_const(0x7FFF0000)).mark("load")(b"\x28\x02\x00", DROP, END)  # i32.load
    # memory.fill: the last case, inside no block
    leaf(i32_const(0), i32_const(0), i32_const(0x20000)).mark("fill")(b"\xfc\x0b\x00")
    leaf(i32_const(0))

    rec = Body()(local_get(0), I32_EQZ, b"\x04\x40").mark("trap")(UNREACHABLE, END)
    rec(local_get(0), i32_const(1), I32_SUB).mark("call")(call(REC))
    deep = Body()(local_get(0)).mark("call")(call(DEEP))
    start = Body().mark("call")(call(MAIN_VOID))
    main_void = Body()(i32_const(0)).mark("call")(call(MAIN), DROP)
    main = Body()(local_get(0)).mark("call")(call(DEEP))
    m_cxx = Body()(local_get(0)).mark("call")(call(MANGLED_LEGACY))
    m_legacy = Body()(local_get(0)).mark("call")(call(MANGLED_V0))
    m_v0 = Body().mark("trap")(UNREACHABLE)
    anon = Body().mark("trap")(UNREACHABLE)
    anon_caller = Body()(local_get(0)).mark("call")(call(ANON))

    P = ([I32], [I32])
    m.func(*P, outer, "outer", "outer")
    m.func(*P, middle, "middle")
    m.func(*P, leaf, "leaf")
    m.func(*P, rec, "rec", "rec")
    m.func(*P, deep, "deep")
    m.func([], [], start, "_start", "_start")
    m.func([], [], main_void, "__main_void")
    m.func(*P, main, "main")
    m.func(*P, m_cxx, CXX[0], "mangled")
    m.func(*P, m_legacy, RUST_LEGACY[0])
    m.func(*P, m_v0, RUST_V0[0])
    m.func(*P, anon)  # no name at all: wasm-function[11]
    m.func(*P, anon_caller, None, "anon")  # only an export name
    data, starts = m.build()
    funcs = [outer, middle, leaf, rec, deep, start, main_void, main, m_cxx, m_legacy, m_v0, anon, anon_caller]
    at = lambda f, label: starts[f] + funcs[f].marks[label]  # noqa: E731
    return data, starts, at


# ---------------------------------------------------------------------------
# Running tern


class T:
    def __init__(self, tern, tier_opts, tmp):
        self.tern, self.tier_opts, self.tmp = tern, tier_opts, tmp
        self.data, self.starts, self.at = build_module()
        self.path = os.path.join(tmp, "bt.wasm")
        with open(self.path, "wb") as f:
            f.write(self.data)

    def run(self, *args):
        cmd = [self.tern, "run"] + self.tier_opts + list(args)
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
        return p.returncode, p.stderr

    def invoke(self, export, *args):
        return self.run("--invoke", export, self.path, *[str(a) for a in args])

    @property
    def jit(self):
        return "--tier=jit" in self.tier_opts


failures = 0


def check(cond, what, detail=""):
    global failures
    if not cond:
        failures += 1
        print("FAIL: " + what + ("\n" + detail if detail else ""))


def frames_of(err):
    return [line for line in err.splitlines() if line.startswith("  ")]


def at(name, off):
    return "  at %s (bt.wasm+0x%x)" % (name, off)


def expect_trace(t, status, err, message, expected, what):
    check(status == 134, what + ": exits 134", "status %d, stderr:\n%s" % (status, err))
    check(err.startswith("error: wasm trap: " + message + "\n"), what + ": message '" + message + "'", err)
    got = frames_of(err)
    check(got == expected, what + ": frames", "expected:\n%s\ngot:\n%s" % ("\n".join(expected), "\n".join(got)))


def case_sites(t):
    messages = {
        "unreachable": "unreachable",
        "div": "integer divide by zero",
        "trunc": "invalid conversion to integer",
        "call_indirect": "uninitialized element",
        "load": "out of bounds memory access",
        "fill": "out of bounds memory access",
    }
    outer = [at("middle", t.at(1, "call")), at("outer", t.at(0, "call"))]
    for sel, kind in enumerate(LEAF_CASES):
        status, err = t.invoke("outer", sel)
        expect_trace(t, status, err, messages[kind], [at("leaf", t.at(2, kind))] + outer, "trap site " + kind)


def case_fold(t):
    # rec(n) recurses n times, then traps: n + 1 frames of rec.
    n = 5000
    status, err = t.invoke("rec", n)
    expected = [at("rec", t.at(3, "trap"))] + [at("rec", t.at(3, "call"))] * 9
    expected.append("  ... %s more frames of rec" % format(n + 1 - 10, ","))
    expect_trace(t, status, err, "unreachable", expected, "rec(%d)" % n)
    # A short run is not folded.
    status, err = t.invoke("rec", 12)
    expected = [at("rec", t.at(3, "trap"))] + [at("rec", t.at(3, "call"))] * 12
    expect_trace(t, status, err, "unreachable", expected, "rec(12)")


def case_stack(t):
    # _start -> __main_void -> main -> deep -> deep -> ... until the call
    # depth limit (Config::max_call_depth, 20000 calls below the entry):
    # 20001 frames, all but three of them deep.
    status, err = t.run(t.path)
    total = 20001
    # The interpreter stops at the call that would go too deep; JIT code
    # notices in the callee's entry check, at the start of its body.
    innermost = at("deep", t.starts[4]) if t.jit else at("deep", t.at(4, "call"))
    expected = [innermost] + [at("deep", t.at(4, "call"))] * 9
    expected.append("  ... %s more frames of deep" % format(total - 3 - 10, ","))
    expected += [at("main", t.at(7, "call")), at("__main_void", t.at(6, "call")), at("_start", t.at(5, "call"))]
    expect_trace(t, status, err, "call stack exhausted", expected, "stack exhaustion")


def case_demangle(t):
    status, err = t.invoke("mangled", 1)
    expected = [at(RUST_V0[1], t.at(10, "trap")), at(RUST_LEGACY[1], t.at(9, "call")), at(CXX[1], t.at(8, "call"))]
    expect_trace(t, status, err, "unreachable", expected, "demangled names")


def case_unnamed(t):
    status, err = t.invoke("anon", 1)
    expected = [at("wasm-function[11]", t.at(11, "trap")), at("anon", t.at(12, "call"))]
    expect_trace(t, status, err, "unreachable", expected, "unnamed functions")


CASES = {
    "sites": case_sites,
    "fold": case_fold,
    "stack": case_stack,
    "demangle": case_demangle,
    "unnamed": case_unnamed,
}


def main():
    if len(sys.argv) < 3:
        print(__doc__)
        return 2
    tern, rest = sys.argv[1], sys.argv[2:]
    case = rest[-1]
    opts = rest[:-1]
    if case == "--list":
        print("\n".join(CASES))
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        t = T(tern, opts, tmp)
        CASES[case](t)
    if failures:
        print("%d check(s) failed" % failures)
        return 1
    print("ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
