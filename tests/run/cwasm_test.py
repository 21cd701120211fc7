#!/usr/bin/env python3
"""Checks of `tern compile` and .cwasm files: a round trip runs as the
module does (output, exit status, traps and their backtraces), a .cwasm is
refused without --allow-precompiled, every kind of bad file (truncated,
flipped bytes, not a .cwasm, another version, other CPU features, other
features or code settings) is refused with exit status 1 and a message
saying why, and the --cache / TERN_CACHE_DIR cache.

usage: cwasm_test.py TERN HELLO_WASM CASE
       cwasm_test.py TERN HELLO_WASM --list

The header layout below is src/runtime/serialize.cc's: the test forges
files of another version or CPU by rewriting a field and the checksum,
computed here the way Tern does (base/hash.h), so the refusal it sees is
the one for that field, not a checksum mismatch.
"""
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cli_test  # noqa: E402
from cli_test import DIV_WASM, MATH_WASM, Run, check, write  # noqa: E402

# Header fields: (offset, size).
MAGIC, VERSION, ARCH, CPU, FEATURES, SETTINGS = (0, 8), (16, 16), (32, 16), (56, 8), (64, 8), (72, 8)
CHECKSUM_AT, HEADER_SIZE = 104, 112

M64 = (1 << 64) - 1
K1, K2 = 0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F


def hash_bytes(b, seed=0):
    """base/hash.h's hashBytes."""
    h = (seed ^ (len(b) * K2)) & M64

    def step(h, w):
        h = ((h ^ w) * K1) & M64
        h = ((h << 31) | (h >> 33)) & M64
        return (h * K2) & M64

    whole = len(b) // 8 * 8
    for i in range(0, whole, 8):
        h = step(h, int.from_bytes(b[i:i + 8], "little"))
    if whole < len(b):
        h = step(h, int.from_bytes(b[whole:], "little"))
    h ^= h >> 29
    h = (h * K1) & M64
    return h ^ (h >> 32)


def reseal(data):
    """The file with its checksum made right again."""
    data = bytearray(data)
    s = hash_bytes(bytes(data[HEADER_SIZE:]), hash_bytes(bytes(data[:CHECKSUM_AT])))
    data[CHECKSUM_AT:CHECKSUM_AT + 8] = s.to_bytes(8, "little")
    return bytes(data)


def with_field(data, field, value):
    at, size = field
    data = bytearray(data)
    data[at:at + size] = value.ljust(size, b"\0")[:size]
    return reseal(data)


def compile_to(t, wasm, name, *opts):
    out = os.path.join(t.tmp, name)
    r = Run([t.tern, "compile", *opts, wasm, "-o", out])
    check(r.status == 0 and os.path.exists(out), "tern compile %s writes %s" % (" ".join(opts), name))
    with open(out, "rb") as f:
        return out, f.read()


def refused(t, path, why, *opts):
    """`tern run --allow-precompiled PATH` exits 1 with `why` in its message
    and runs nothing."""
    r = Run([t.tern, "run", *opts, "--allow-precompiled", path])
    check(r.status == 1 and r.out == "", "%s: refused with exit 1, nothing run" % os.path.basename(path))
    check(why in r.err and path in r.err, "%s: the message names the file and says '%s'" % (os.path.basename(path), why))


def case_roundtrip(t):
    """The .cwasm runs as the module does: output and exit status, a trap
    and its backtrace, --invoke results."""
    cw, _ = compile_to(t, t.hello, "hello.cwasm")
    for argv, stdin in [(["one", "two words"], b""), (["--stdin"], b"a b\nc\n"), (["--exit", "7"], b"")]:
        a = Run([t.tern, "run", t.hello, *argv], stdin=stdin)
        b = Run([t.tern, "run", "--allow-precompiled", cw, *argv], stdin=stdin)
        # The guest's argv[0] is the file run.
        check(a.status == b.status and a.out == b.out.replace(cw, t.hello) and a.err == b.err,
              "hello %s: the .cwasm behaves the same" % argv)
    div = write(t.tmp, "div.wasm", DIV_WASM)
    cw, _ = compile_to(t, div, "div.cwasm")
    a = Run([t.tern, "run", "--tier=jit", div])
    b = Run([t.tern, "run", "--allow-precompiled", cw])
    check(b.status == 134 and "integer divide by zero" in b.err, "a trap in a .cwasm exits 134")
    check(a.err == b.err, "the trap's message and backtrace (names, offsets) are the same")
    math = write(t.tmp, "math.wasm", MATH_WASM)
    cw, _ = compile_to(t, math, "math.cwasm")
    for inv in [["add", "2", "40"], ["fadd", "0.5", "0.25"], ["neg", "5"], ["pair"]]:
        a = Run([t.tern, "run", "--invoke", inv[0], math, *inv[1:]])
        b = Run([t.tern, "run", "--allow-precompiled", "--invoke", inv[0], cw, *inv[1:]])
        check(a.status == 0 and a.out == b.out, "--invoke %s: the same results" % inv[0])


def case_unflagged(t):
    """Without --allow-precompiled a .cwasm is refused, whatever its name."""
    cw, data = compile_to(t, t.hello, "hello.cwasm")
    r = Run([t.tern, "run", cw])
    check(r.status == 1 and cw in r.err and "--allow-precompiled" in r.err and r.out == "",
          "run FILE.cwasm: exit 1, the message names the file and --allow-precompiled")
    r = Run([t.tern, cw])
    check(r.status == 1 and "--allow-precompiled" in r.err, "`tern FILE.cwasm` too")
    renamed = write(t.tmp, "looks-like.wasm", data)
    r = Run([t.tern, "run", renamed])
    check(r.status == 1 and "--allow-precompiled" in r.err, "a .cwasm named .wasm too (by its contents)")
    r = Run([t.tern, "run", "--preload", "dep=" + cw, t.hello])
    check(r.status == 1 and "--allow-precompiled" in r.err, "a --preload .cwasm too")


def case_truncated(t):
    cw, data = compile_to(t, t.hello, "hello.cwasm")
    for n in [len(data) - 1, len(data) // 2, HEADER_SIZE + 1, HEADER_SIZE, HEADER_SIZE - 1, 9]:
        path = write(t.tmp, "cut%d.cwasm" % n, data[:n])
        refused(t, path, "truncated")


def case_flipped(t):
    """A flipped bit anywhere is found: in the header's fields, the module,
    the code (the last bytes), the checksum itself."""
    cw, data = compile_to(t, t.hello, "hello.cwasm")
    for at in [8, 20, 60, 90, 100, CHECKSUM_AT + 3, HEADER_SIZE + 10, len(data) // 2, len(data) - 1]:
        bad = bytearray(data)
        bad[at] ^= 0x10
        path = write(t.tmp, "flip%d.cwasm" % at, bytes(bad))
        r = Run([t.tern, "run", "--allow-precompiled", path])
        check(r.status == 1 and r.out == "" and path in r.err and
              ("damaged" in r.err or "format" in r.err or "truncated" in r.err),
              "byte %d flipped: refused (exit 1), the file is called damaged" % at)
    extra = write(t.tmp, "extra.cwasm", data + b"\0")
    refused(t, extra, "damaged")


def case_not_cwasm(t):
    """With --allow-precompiled a .wasm still runs; anything else that is
    not a .cwasm (junk, a cwasm magic with junk after it) is refused."""
    r = Run([t.tern, "run", "--allow-precompiled", t.hello])
    check(r.status == 0 and "Hello" in r.out, "--allow-precompiled runs a plain .wasm as before")
    junk = write(t.tmp, "junk.cwasm", bytes(range(1, 200)))
    r = Run([t.tern, "run", "--allow-precompiled", junk])
    check(r.status == 1 and r.out == "" and junk in r.err, "junk: refused with exit 1")
    cw, data = compile_to(t, t.hello, "hello.cwasm")
    magic_only = write(t.tmp, "magic.cwasm", data[:8] + bytes(300))
    refused(t, magic_only, "format")
    wrong_magic = write(t.tmp, "wrongmagic.cwasm", with_field(data, MAGIC, b"\0TERNCWB"))
    r = Run([t.tern, "run", "--allow-precompiled", wrong_magic])
    check(r.status == 1 and r.out == "", "another magic: refused with exit 1")


def case_version(t):
    cw, data = compile_to(t, t.hello, "hello.cwasm")
    path = write(t.tmp, "v.cwasm", with_field(data, VERSION, b"0.0.1-other"))
    refused(t, path, "another version of Tern (0.0.1-other)")
    arch = b"aarch64" if b"x86_64" in data[ARCH[0]:ARCH[0] + 16] else b"x86_64"
    path = write(t.tmp, "arch.cwasm", with_field(data, ARCH, arch))
    refused(t, path, "compiled for " + arch.decode())


def case_cpu(t):
    """Code compiled for other CPU features is refused, whichever way they
    differ: a bit this CPU lacks, or one it has that the code did not use."""
    cw, data = compile_to(t, t.hello, "hello.cwasm")
    have = int.from_bytes(data[CPU[0]:CPU[0] + 8], "little")
    for other in [have ^ (1 << 40), have ^ 1]:
        path = write(t.tmp, "cpu%x.cwasm" % other, with_field(data, CPU, other.to_bytes(8, "little")))
        refused(t, path, "compiled for CPU features")
    if have & (1 << 5):
        # This CPU has AVX: code compiled without it (TERN_JIT_NO_AVX) is
        # another CPU's.
        out = os.path.join(t.tmp, "noavx.cwasm")
        env = dict(os.environ, TERN_JIT_NO_AVX="1")
        p = subprocess.run([t.tern, "compile", t.hello, "-o", out], env=env, capture_output=True)
        check(p.returncode == 0, "compiled with TERN_JIT_NO_AVX=1")
        refused(t, out, "compiled for CPU features")


def case_settings(t):
    """Features and code settings must be those of the run."""
    cw, _ = compile_to(t, t.hello, "hello.cwasm")
    refused(t, cw, "features", "-W", "extended-const=n")
    refused(t, cw, "fuel", "-W", "fuel=100000")
    refused(t, cw, "epoch interruption", "-W", "timeout=10s")
    refused(t, cw, "bounds checks", "--bounds-checks")
    fuel, _ = compile_to(t, t.hello, "fuel.cwasm", "-W", "fuel=1")
    r = Run([t.tern, "run", "-W", "fuel=100000000", "--allow-precompiled", fuel, "x"])
    check(r.status == 0 and "Hello" in r.out, "compiled with -W fuel: runs with -W fuel")
    a = Run([t.tern, "run", "-W", "fuel=100", t.hello, "x"])
    r = Run([t.tern, "run", "-W", "fuel=100", "--allow-precompiled", fuel, "x"])
    check(r.status == 134 and "fuel" in r.err and r.err == a.err, "and its fuel checks work: the same trap")
    bounds, _ = compile_to(t, t.hello, "bounds.cwasm", "--bounds-checks")
    r = Run([t.tern, "run", "--bounds-checks", "--allow-precompiled", bounds, "x"])
    check(r.status == 0 and "Hello" in r.out, "compiled with --bounds-checks: runs with --bounds-checks")
    r = Run([t.tern, "compile", t.hello])
    check(r.status == 2 and "-o" in r.err, "compile without -o is a usage error")
    bad = write(t.tmp, "bad.wasm", b"\0asm\1\0\0\0\x01")
    r = Run([t.tern, "compile", bad, "-o", os.path.join(t.tmp, "bad.cwasm")])
    check(r.status == 1 and not os.path.exists(os.path.join(t.tmp, "bad.cwasm")),
          "an invalid module: exit 1, nothing written")


def case_cache(t):
    """--cache DIR: the first run stores one entry, the next ones load it
    (unchanged); a damaged entry is replaced; TERN_CACHE_DIR does the same."""
    cache = os.path.join(t.tmp, "cache")
    plain = Run([t.tern, "run", t.hello, "x"])
    r = Run([t.tern, "run", "--cache", cache, t.hello, "x"])
    entries = os.listdir(cache) if os.path.isdir(cache) else []
    check(r.out == plain.out and r.status == 0, "a run with --cache behaves the same")
    check(len(entries) == 1 and entries[0].endswith(".cwasm"), "it stores one .cwasm entry")
    if len(entries) != 1:
        return
    entry = os.path.join(cache, entries[0])
    stamp = os.stat(entry).st_mtime_ns
    time.sleep(0.05)
    r = Run([t.tern, "run", "--cache", cache, t.hello, "x"])
    check(r.out == plain.out and os.stat(entry).st_mtime_ns == stamp and os.listdir(cache) == entries,
          "the second run loads the entry and leaves it as it is")
    with open(entry, "rb") as f:
        good = f.read()
    with open(entry, "wb") as f:
        f.write(good[:len(good) // 2])
    r = Run([t.tern, "run", "--cache", cache, t.hello, "x"])
    with open(entry, "rb") as f:
        check(r.out == plain.out and f.read() == good, "a damaged entry: the module compiles and the entry is rewritten")
    r = Run([t.tern, "run", "--cache", cache, "--bounds-checks", t.hello, "x"])
    check(r.out == plain.out and len(os.listdir(cache)) == 2, "other settings: another entry")
    env_cache = os.path.join(t.tmp, "env-cache")
    p = subprocess.run([t.tern, "run", t.hello, "x"], env=dict(os.environ, TERN_CACHE_DIR=env_cache),
                       capture_output=True)
    check(p.returncode == 0 and len(os.listdir(env_cache)) == 1, "TERN_CACHE_DIR is --cache's default")
    # Concurrent runs sharing one empty cache: every run right, one whole entry.
    shared = os.path.join(t.tmp, "shared")
    procs = [subprocess.Popen([t.tern, "run", "--cache", shared, t.hello, "x"], stdout=subprocess.PIPE)
             for _ in range(6)]
    outs = [p.communicate()[0].decode() for p in procs]
    check(all(o == plain.out for o in outs) and all(p.returncode == 0 for p in procs), "6 concurrent runs: all right")
    names = os.listdir(shared)
    check(len(names) == 1 and names[0].endswith(".cwasm"), "and one entry, no temporary file left: %s" % names)
    entry = os.path.join(shared, names[0])
    r = Run([t.tern, "run", "--allow-precompiled", entry, "x"])
    check(r.out.replace(entry, t.hello) == plain.out, "the entry is a whole .cwasm")


def case_threads(t):
    """Compiled on several threads (-C parallel-compilation, the default, with
    -C compile-threads=N) the .cwasm is the same, byte for byte, as on one;
    `tern run -C lazy=n` runs the same on any number, and with the module
    piped in; a bad count is a usage error."""
    _, one = compile_to(t, t.hello, "one.cwasm", "-C", "compile-threads=1")
    _, off = compile_to(t, t.hello, "off.cwasm", "-C", "parallel-compilation=n,compile-threads=4")
    check(off == one, "parallel-compilation=n: the same file as one thread")
    for n in ["2", "3", "8", "0"]:
        _, many = compile_to(t, t.hello, "many.cwasm", "-C" + "compile-threads=" + n)
        check(many == one, "compile-threads=%s: the same file as one thread" % n)
    a = Run([t.tern, "run", "-C", "lazy=n,compile-threads=1", t.hello, "x", "y"])
    b = Run([t.tern, "run", "-C", "lazy=n", "-C", "compile-threads=4", t.hello, "x", "y"])
    check(a.status == 0 and (a.status, a.out, a.err) == (b.status, b.out, b.err),
          "tern run -C lazy=n on 4 threads runs as on one")
    # From a pipe the bodies are compiled as they stream in.
    with open(t.hello, "rb") as f:
        wasm = f.read()
    for opts in [["-C", "lazy=n,compile-threads=4"], []]:
        c = Run([t.tern, "run", *opts, "/dev/stdin", "x", "y"], stdin=wasm)
        check(c.status == 0 and c.out.replace("/dev/stdin", t.hello) == a.out,
              "tern run %s /dev/stdin, the module piped in, runs as from its file" % " ".join(opts))
    for bad in ["compile-threads=x", "compile-threads", "parallel-compilation=maybe"]:
        r = Run([t.tern, "run", "-C", bad, t.hello])
        check(r.status == 2 and bad.split("=")[0] in r.err, "tern run -C %s: a usage error" % bad)
        r = Run([t.tern, "compile", "-C", bad, t.hello, "-o", os.path.join(t.tmp, "bad.cwasm")])
        check(r.status == 2, "tern compile -C %s: a usage error" % bad)


CASES = {
    "roundtrip": case_roundtrip,
    "threads": case_threads,
    "unflagged": case_unflagged,
    "truncated": case_truncated,
    "flipped": case_flipped,
    "not-cwasm": case_not_cwasm,
    "version": case_version,
    "cpu": case_cpu,
    "settings": case_settings,
    "cache": case_cache,
}


def main():
    return cli_test.case_main(__doc__, CASES, ["hello"], "tern-cwasm-")


if __name__ == "__main__":
    sys.exit(main())
