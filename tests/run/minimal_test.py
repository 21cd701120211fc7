#!/usr/bin/env python3
"""The `tern` command of a minimal build (meson setup -Dminimal=true): what it
runs and what it refuses. tests/meson.build runs it in a minimal build only,
as the test `minimal-cli`.

    minimal_test.py TERN HELLO_WASM

- a WASI program (hello.wasm) fails to link, exit status 1, with a message
  saying that WASI is not in this build;
- `run --invoke` calls an export (recursive fib; the expected value is
  computed here), on the interpreter whatever --tier says;
- the interpreter's own checks, with no signal handler behind them: an
  out-of-bounds load traps, and so does unbounded recursion ("call stack
  exhausted"), also under -W max-wasm-stack, each with exit status 134;
- without SIMD (-Dsimd=false, the minimal default) a valid module with a
  v128 instruction does not compile, with a message naming the function and
  saying that SIMD is not in this build; an invalid one is still invalid;
- memory64, multi-memory, exception handling and tail calls are left out
  too: with their switch on, a 64-bit memory, a second memory, a tag, a
  `try` or a `return_call` is refused (exit status 1) as not in this build;
  with it off, the module is as invalid or malformed as in any build.
"""
import os
import subprocess
import sys
import tempfile

tern, hello = sys.argv[1], sys.argv[2]
failures = []

WAT = r"""
(module
  (memory 1)
  (func $fib (export "fib") (param $n i32) (result i32)
    (if (result i32) (i32.lt_u (local.get $n) (i32.const 2))
      (then (local.get $n))
      (else (i32.add (call $fib (i32.sub (local.get $n) (i32.const 1)))
                     (call $fib (i32.sub (local.get $n) (i32.const 2)))))))
  (func $deep (export "deep") (param i32) (result i32) (call $deep (local.get 0)))
  (func (export "load") (param i32) (result i32) (i32.load (local.get 0))))
"""
SIMD_WAT = r"""
(module
  (func (export "f") (result i32) (i32.const 7))
  (func $lane (export "lane") (result i32) (i32x4.extract_lane 2 (v128.const i32x4 1 2 3 4))))
"""
INVALID_SIMD_WAT = r"""
(module (func (result i32) (i32x4.extract_lane 2 (i32.const 1))))
"""


# Wasm 3.0 features a minimal build leaves out: (module text, -W switch,
# its refusal when on, its error when off).
LEFT_OUT = [
    ("(module (memory 1) (memory 1))", "multi-memory", "this build leaves multi-memory out", "multiple memories"),
    ("(module (memory i64 1))", "memory64", "this build leaves memory64 out", "integer too large"),
    ("(module (tag (param i32)))", "exceptions", "this build leaves exceptions out", "malformed section id"),
    ("(module (func (try (do) (catch_all))))", "exceptions", "this build leaves exceptions out",
     "illegal opcode"),
    ("(module (func $f (return_call $f)))", "tail-call", "this build leaves tail calls out", "illegal opcode"),
]


def run(*args):
    return subprocess.run([tern, *args], capture_output=True, text=True, timeout=120)


def check(name, ok, r):
    if ok:
        print("ok: " + name)
    else:
        failures.append(name)
        print("FAIL: %s: exit %d\nstdout: %s\nstderr: %s" % (name, r.returncode, r.stdout, r.stderr))


def fib(n):
    a, b = 0, 1
    for _ in range(n):
        a, b = b, a + b
    return a


with tempfile.TemporaryDirectory() as tmp:
    wat, wasm = os.path.join(tmp, "m.wat"), os.path.join(tmp, "m.wasm")
    with open(wat, "w") as f:
        f.write(WAT)
    subprocess.run(["wat2wasm", wat, "-o", wasm], check=True)

    r = run("run", hello)
    check("WASI module refused", r.returncode == 1 and "wasi_snapshot_preview1." in r.stderr
          and "WASI is not in this build of Tern (-Dminimal=true)" in r.stderr, r)

    for tier in ("auto", "interp", "jit"):
        r = run("run", "--tier=" + tier, "--invoke", "fib", wasm, "22")
        check("--invoke fib 22 (--tier=%s)" % tier, r.returncode == 0 and r.stdout.strip() == str(fib(22)), r)

    r = run("run", "--invoke", "load", wasm, str(65536 - 3))
    check("out-of-bounds load traps", r.returncode == 134 and "out of bounds memory access" in r.stderr, r)
    r = run("run", "--invoke", "load", wasm, str(65536 - 4))
    check("last word loads", r.returncode == 0 and r.stdout.strip() == "0", r)

    for extra in ([], ["-W", "max-wasm-stack=65536"]):
        r = run("run", *extra, "--invoke", "deep", wasm, "1")
        check("recursion traps %s" % " ".join(extra), r.returncode == 134 and "call stack exhausted" in r.stderr, r)

    simd_wasm, invalid_wasm = os.path.join(tmp, "simd.wasm"), os.path.join(tmp, "invalid.wasm")
    for text, out in ((SIMD_WAT, simd_wasm), (INVALID_SIMD_WAT, invalid_wasm)):
        with open(wat, "w") as f:
            f.write(text)
        subprocess.run(["wat2wasm", "--no-check", wat, "-o", out], check=True)
    r = run("run", "--invoke", "f", simd_wasm)
    check("v128 instruction refused", r.returncode == 1
          and "function lane: SIMD (v128) is not in this build of Tern (-Dsimd=false)" in r.stderr, r)
    r = run("validate", invalid_wasm)
    check("invalid v128 code still invalid", r.returncode == 1 and "type mismatch" in r.stderr, r)

    for i, (text, switch, refused, otherwise) in enumerate(LEFT_OUT):
        out = os.path.join(tmp, "left%d.wasm" % i)
        with open(wat, "w") as f:
            f.write(text)
        subprocess.run(["wat2wasm", "--enable-all", wat, "-o", out], check=True)
        r = run("validate", "-W", switch + "=y", out)
        check("%s refused with -W %s" % (text, switch), r.returncode == 1 and refused in r.stderr, r)
        r = run("validate", "-W", switch + "=n", out)
        check("%s invalid without -W %s" % (text, switch), r.returncode == 1 and otherwise in r.stderr, r)

sys.exit(1 if failures else 0)
