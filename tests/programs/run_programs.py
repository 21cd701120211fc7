#!/usr/bin/env python3
"""Tern's real-program test suite.

Fetches real C programs from Debian source packages (`apt-get source`),
builds each one natively (gcc -O2) and for wasm32-wasi (clang -O2, and that
module again after `wasm-opt -O2`), runs them on real inputs natively and on
every Tern tier, and requires byte-identical stdout and the same exit status
as the native build for every step of every run.

    tests/programs/run_programs.py --tern build/tern [options]

Options (each also has an environment variable; the option wins):
  --tern PATH          the tern binary (TERN; default build/tern)
  --cache DIR          downloads and builds (TERN_PROGRAMS_CACHE;
                       default $XDG_CACHE_HOME/tern-programs or ~/.cache/tern-programs)
  --only A,B           only these programs (TERN_PROGRAMS)
  --tiers T,..         among interp, jit, jit-bounds, cwasm (TERN_PROGRAMS_TIERS;
                       cwasm: `tern compile`, then run the .cwasm)
  --variants V,..      among wasm, wasm-opt (TERN_PROGRAMS_VARIANTS)
  --jobs N             parallel builds and runs (TERN_PROGRAMS_JOBS; default: CPUs)
  --timeout-scale X    multiply every per-run timeout (TERN_PROGRAMS_TIMEOUT_SCALE)
  --list               print the programs and exit

Exit status: 0 every run matched native; 1 a run differed, timed out or a
build failed; 77 (meson's "skipped") when sources cannot be had: no apt-get,
no deb-src entries, or no network. With CI=true those are errors (status 1).

Layout of tests/programs/:
  run_programs.py      this driver; PROGRAMS below lists each program's
                       source package, pinned version, steps and inputs
  shared_cache.py      what lets several runs share one cache (below)
  setup_deb_src.py     adds deb-src entries (root), used by .ci/run
  NAME/build.sh        how NAME is built, run by bash in a scratch directory
                       with CC, CFLAGS, LIBS, COMPAT (extra wasm sources),
                       TARGET (native or wasm), SRC (the unpacked package,
                       read-only), HERE (NAME/), COMMON and BIN (the output)
  common/              what every wasm build gets: include/setjmp.h (no
                       setjmp in wasi-libc: errors abort), tern_wasi_compat.h
                       and wasi_compat.c (ENOSYS stubs for chmod, chown,
                       tmpfile, system)
  lua5.4/test.lua, js/test.js, sqlite3/memvfs.c   scripts and support code

Cache ($TERN_PROGRAMS_CACHE): sources/PKG_VERSION/ (unpacked packages),
builds/NAME_VERSION_KEY/ (KEY hashes the version, build.sh, common/, the
flags below and the compilers' versions; a second run reuses them),
runs/run-*/ (one run's scratch, removed when everything passes) and
failures/NAME.VARIANT.TIER/ (a failed run's files and a repro.sh).

Several runs may share one cache at once (two worktrees testing together):
each run works in its own runs/run-*/ directory, downloads and builds are
made in a temporary directory and renamed into place (a run that finds its
build already there uses it), and a run removes only what it made, stale
run directories of dead runs, and builds unused for STALE_BUILD_DAYS.
"""
import argparse
import concurrent.futures
import functools
import hashlib
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from shared_cache import move_into_place, new_runs_dir, store_failure

HERE = Path(__file__).resolve().parent
COMMON = HERE / "common"
SKIP = 77
CI = os.environ.get("CI", "").lower() == "true"

# How every program is compiled. Part of the build cache key.
NATIVE_CFLAGS = "-O2"
WASM_CFLAGS = ("--target=wasm32-wasi -O2 -I{common}/include -include tern_wasi_compat.h "
               "-D_WASI_EMULATED_SIGNAL -D_WASI_EMULATED_PROCESS_CLOCKS")
# wasm-ld's default stack is 64 KiB, placed after the static data, so a
# deeper C stack silently overwrites globals (lz4's decompressor has a 64 KiB
# local buffer and printed garbage). Native programs get 8 MiB; so do these,
# and --stack-first puts the stack below the data so an overflow traps.
WASM_LIBS = ("-Wl,-z,stack-size=8388608 -Wl,--stack-first "
             "-lwasi-emulated-signal -lwasi-emulated-process-clocks")
WASM_OPT_FLAGS = ["-O2"]
BUILD_SCHEME = "1"  # bump to invalidate every cached build
# A build of a program under another key (older sources or scripts, or another
# worktree's) is removed once no run has used it for this long.
STALE_BUILD_DAYS = 2

TIERS = {
    "interp": ["--tier=interp"],
    "jit": ["--tier=jit"],
    "jit-bounds": ["--tier=jit", "--bounds-checks"],
    # The module compiled by `tern compile` first; what runs is the .cwasm.
    "cwasm": ["--allow-precompiled"],
}
VARIANTS = ["wasm", "wasm-opt"]


# ---------------------------------------------------------------- inputs ----

def xorshift_bytes(n, seed, alphabet_bits=8, repeat_every=0):
    """n deterministic pseudo-random bytes. With repeat_every, every so often
    a stretch of earlier output is copied (so LZ matchers find something)."""
    x = seed & 0xFFFFFFFF or 1
    out = bytearray()
    mask = (1 << alphabet_bits) - 1
    while len(out) < n:
        x ^= (x << 13) & 0xFFFFFFFF
        x ^= x >> 17
        x ^= (x << 5) & 0xFFFFFFFF
        if repeat_every and len(out) > 64 and x % repeat_every == 0:
            start = (x >> 8) % (len(out) - 32)
            length = 8 + (x >> 3) % 120
            out += out[start:start + length]
        else:
            out.append((x >> 11) & mask)
    return bytes(out[:n])


def source_text(src, limit):
    """The package's own C sources and headers, sorted by path, concatenated,
    cut at `limit` bytes: real text that every compressor sees."""
    files = sorted((p for p in src.rglob("*") if p.suffix in (".c", ".h") and p.is_file()
                    and not p.is_symlink()), key=lambda p: p.relative_to(src).as_posix())
    chunks, total = [], 0
    for p in files:
        data = p.read_bytes()
        chunks.append(data)
        total += len(data)
        if total >= limit:
            break
    return b"".join(chunks)[:limit]


def compressor_corpus(src):
    """About 1 MB: 640 KB of C source text, 256 KB of skewed binary data with
    repeats, 64 KB of a single repeated phrase, 64 KB of incompressible noise."""
    return (source_text(src, 640 * 1024)
            + xorshift_bytes(256 * 1024, 0x9E3779B9, alphabet_bits=5, repeat_every=7)
            + b"all work and no play makes jack a dull boy. " * 1490
            + xorshift_bytes(64 * 1024, 12345))


# --------------------------------------------------------------- programs ---

class Step:
    """One command of a run. `args` follow the program; stdin is a file of
    the run's directory (an input or an earlier step's saved stdout); stdout
    is saved as `save` (default: stepN.out). `native_equals` names a file the
    native stdout must equal (a sanity check of the suite itself, e.g. that a
    round trip gives back the original). `word_size_dependent` (a reason)
    marks a step whose stdout legitimately differs between a 64-bit native
    build and wasm32: only its exit status is compared, and a later step
    (a decompression, compared byte for byte) must check its output."""

    def __init__(self, *args, stdin=None, save=None, native_equals=None, word_size_dependent=None):
        self.args = list(args)
        self.stdin = stdin
        self.save = save
        self.native_equals = native_equals
        self.word_size_dependent = word_size_dependent


class Program:
    def __init__(self, name, package, pinned, binary, steps, inputs=None, files=(),
                 build_files=(), timeout=120, note=""):
        self.name = name
        self.package = package      # Debian source package
        self.pinned = pinned        # the version this suite was written against
        self.binary = binary        # the built executable's name
        self.steps = steps
        self.inputs = inputs        # src Path -> {name: bytes}
        self.files = list(files)    # files (relative to tests/programs/) the runs read
        self.build_files = list(build_files)  # files of tests/programs/NAME/ the build reads
        self.timeout = timeout      # seconds for all steps on the interpreter; half on the JIT
        self.note = note
        for i, s in enumerate(self.steps):
            if s.save is None:
                s.save = "step%d.out" % (i + 1)

    @property
    def dir(self):
        return HERE / self.name


def compress_steps(levels, decompress, compress_extra=(), files=("corpus",), word_size_dependent={}):
    """Compress each input at each level, then decompress every result."""
    steps = []
    for f in files:
        for lv in levels:
            steps.append(Step(*compress_extra, *lv.split(), stdin=f,
                              save="%s.%s.z" % (f, lv.strip("-").replace(" ", "")),
                              word_size_dependent=word_size_dependent.get(lv)))
    for s in list(steps):
        steps.append(Step(*decompress, stdin=s.save, save=s.save + ".out",
                          native_equals=s.stdin))
    return steps


def bzip2_inputs(src):
    d = {"corpus": compressor_corpus(src)}
    for i in (1, 2, 3):
        d["sample%d.ref" % i] = (src / ("sample%d.ref" % i)).read_bytes()
        d["sample%d.bz2" % i] = (src / ("sample%d.bz2" % i)).read_bytes()
    return d


LZ4_FAST = ("lz4's fast compressor hashes 5 bytes where registers are 64-bit and 4 where "
            "they are 32-bit (LZ4_hashPosition in lib/lz4.c), so wasm32 and x86-64 "
            "compress differently; checked by the round trip")

PROGRAMS = [
    Program(
        "sqlite3", "sqlite3", "3.40.1-2+deb12u2", "speedtest1",
        build_files=["memvfs.c"],
        steps=[Step("--size", "12", "--verify", "--testset", "main,cte,orm", ":memory:"),
               Step("--size", "3", "--verify", "--testset", "rtree,fp", ":memory:"),
               Step("--size", "3", "--verify", "--utf16le", "--without-rowid", "--reprepare",
                    ":memory:")],
        timeout=150,
        note="speedtest1 on an in-memory database (memvfs.c: in-memory VFS, frozen clock)"),
    Program(
        "lua5.4", "lua5.4", "5.4.4-3+deb12u1", "lua",
        files=["lua5.4/test.lua"],
        steps=[Step("test.lua"), Step("-", stdin="test.lua")],
        timeout=60,
        note="the lua interpreter on test.lua (from a file, then from stdin)"),
    Program(
        "zlib", "zlib", "1:1.2.13.dfsg-1", "minigzip",
        inputs=lambda src: {"corpus": compressor_corpus(src)},
        steps=compress_steps(["-1", "-6", "-9", "-6 -f", "-6 -h", "-6 -r"], ["-d"]),
        timeout=60,
        note="test/minigzip: gzip at levels 1, 6, 9, filtered, huffman-only, rle; gunzip"),
    Program(
        "zlib-fuzz", "zlib", "1:1.2.13.dfsg-1", "zfuzz",
        build_files=["fuzz.c"],
        steps=[Step("1", "800"), Step("1000000", "300")],
        timeout=90,
        note="zlib's API with random arguments (zlib-fuzz/fuzz.c): deflate parameters, dictionaries, "
             "piecewise streams, inflateBack, damaged streams, checksums"),
    Program(
        "bzip2", "bzip2", "1.0.8-5", "bzip2",
        inputs=bzip2_inputs,
        steps=[Step("-1", stdin="sample1.ref", save="sample1.rb2"),
               Step("-2", stdin="sample2.ref", save="sample2.rb2"),
               Step("-3", stdin="sample3.ref", save="sample3.rb2"),
               Step("-d", stdin="sample1.bz2", save="sample1.tst", native_equals="sample1.ref"),
               Step("-d", stdin="sample2.bz2", save="sample2.tst", native_equals="sample2.ref"),
               Step("-ds", stdin="sample3.bz2", save="sample3.tst", native_equals="sample3.ref"),
               ] + compress_steps(["-9", "-4"], ["-d"]),
        timeout=60,
        note="the package's own `make test` (sample1-3) plus a 1 MB round trip at -9 and -4"),
    Program(
        "lz4", "lz4", "1.9.4-1", "lz4",
        inputs=lambda src: {"corpus": compressor_corpus(src)},
        steps=compress_steps(["-1", "-9", "-12", "--fast=3", "-BD -4"], ["-d", "-c"],
                             compress_extra=["-c"], word_size_dependent={
                                 "-1": LZ4_FAST, "--fast=3": LZ4_FAST}),
        timeout=60,
        note="lz4 at levels 1, 9 (HC), 12, fast=3, linked 64 KB blocks; decompress"),
    Program(
        "zstd", "libzstd", "1.5.4+dfsg2-5", "zstd",
        inputs=lambda src: {"corpus": compressor_corpus(src)},
        steps=compress_steps(["-1", "-3", "-9", "-19", "--fast=5", "--long=20 -5"],
                             ["-d", "-c", "-q"], compress_extra=["-c", "-q"]),
        timeout=90,
        note="zstd at levels 1, 3, 9, 19, fast=5, long matching; decompress"),
    Program(
        "brotli", "brotli", "1.0.9-2", "brotli",
        inputs=lambda src: {"corpus": compressor_corpus(src)},
        steps=compress_steps(["-q 1", "-q 5", "-q 9", "-q 11 -w 18"], ["-d", "-c"],
                             compress_extra=["-c"]),
        timeout=150,
        note="brotli at quality 1, 5, 9, 11; decompress"),
    Program(
        "duktape", "duktape", "2.7.0-2", "duk",
        files=["js/test.js"],
        steps=[Step("test.js")],
        timeout=60,
        note="the duk shell on test.js"),
    Program(
        "mujs", "mujs", "1.3.2-1", "mujs",
        files=["js/test.js"],
        steps=[Step("test.js")],
        timeout=60,
        note="the mujs shell on test.js"),
]


# ------------------------------------------------------------- utilities ----

print_lock = threading.Lock()


def say(msg=""):
    with print_lock:
        print(msg, flush=True)


class Skip(Exception):
    pass


class Fatal(Exception):
    pass


def unavailable(msg):
    """No sources to be had: a skip for a user, an error on CI."""
    if CI:
        raise Fatal(msg + " (CI=true: this is an error, not a skip)")
    raise Skip(msg)


def safe_version(v):
    return re.sub(r"[^A-Za-z0-9.+~-]", "_", v)


def run_quiet(cmd, cwd=None, env=None, timeout=None):
    return subprocess.run(cmd, cwd=cwd, env=env, timeout=timeout, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True, errors="replace")


def tool_version(cmd):
    """`cmd --version` without the lines naming where the tool lives."""
    try:
        p = run_quiet(cmd)
    except OSError:
        return "missing"
    return "\n".join(l for l in p.stdout.strip().splitlines() if not l.startswith("InstalledDir"))


def dpkg_compare(a, b):
    if a == b:
        return 0
    try:
        lt = subprocess.run(["dpkg", "--compare-versions", a, "lt", b]).returncode == 0
    except OSError:  # no dpkg: only ever sorting cached versions
        lt = a < b
    return -1 if lt else 1


# --------------------------------------------------------------- sources ----

class Sources:
    """Downloads and unpacks source packages into CACHE/sources/PKG_VERSION/."""

    def __init__(self, cache):
        self.root = cache / "sources"
        self.root.mkdir(parents=True, exist_ok=True)
        self.have_apt = shutil.which("apt-get") is not None and shutil.which("dpkg-source") is not None
        self._indexes = None

    def cached(self, package):
        """{version: tree} of complete downloads of `package`."""
        out = {}
        for d in self.root.glob(glob_escape(package) + "_*"):
            marker = d / ".complete"
            if marker.is_file():
                lines = marker.read_text().splitlines()
                if len(lines) >= 2 and lines[0] == package:
                    out[lines[1]] = d / lines[2]
        return out

    def indexes_ready(self):
        if self._indexes is None:
            sys.path.insert(0, str(HERE))
            import setup_deb_src
            configured, downloaded = setup_deb_src.source_targets()
            self._indexes = configured > 0 and downloaded == configured
        return self._indexes

    def candidates(self, package, pinned):
        """Versions apt can fetch, best first: the pinned version if a
        non-security suite has it, then the other non-security versions,
        newest first, then security-suite versions (a security mirror may
        carry only binaries)."""
        p = run_quiet(["apt-cache", "madison", package])
        main, security = [], []
        for line in p.stdout.splitlines():
            parts = [x.strip() for x in line.split("|")]
            if len(parts) != 3 or parts[0] != package or not parts[2].endswith("Sources"):
                continue
            ver, where = parts[1], parts[2]
            bucket = security if ("-security" in where or "debian-security" in where) else main
            if ver not in bucket:
                bucket.append(ver)
        key = functools.cmp_to_key(dpkg_compare)
        main.sort(key=key, reverse=True)
        security = [v for v in sorted(security, key=key, reverse=True) if v not in main]
        if pinned in main:
            main.remove(pinned)
            main.insert(0, pinned)
        return main + security

    def get(self, prog, fetch=True):
        """(version, source tree) for prog, downloading if needed. With
        fetch=False only a cached download is returned, the one get() would
        pick; Skip if there is none."""
        cached = self.cached(prog.package)
        if self.have_apt and self.indexes_ready():
            cands = self.candidates(prog.package, prog.pinned)
            if not cands:
                unavailable("apt knows no source package %r (apt-cache madison %s)"
                            % (prog.package, prog.package))
            for ver in cands:
                if ver in cached:
                    return ver, cached[ver]
            if not fetch:
                raise Skip("no source of %s in the cache" % prog.package)
            errors = []
            for ver in cands:
                try:
                    return ver, self.download(prog.package, ver)
                except RuntimeError as e:
                    errors.append(str(e))
            first = errors[0].split("; ")[0]
            unavailable("apt-get source %s failed (no network?): %s"
                        % (prog.package, first if len(first) < 240 else first[:240] + "..."))
        if prog.pinned in cached:
            return prog.pinned, cached[prog.pinned]
        if cached:
            ver = sorted(cached, key=functools.cmp_to_key(dpkg_compare))[-1]
            return ver, cached[ver]
        if not self.have_apt:
            unavailable("apt-get source is impossible here (no apt-get/dpkg-source: not Debian?)")
        unavailable("apt-get source needs deb-src entries; as root run: python3 %s"
                    % (HERE / "setup_deb_src.py"))

    def download(self, package, version):
        final = self.root / ("%s_%s" % (package, safe_version(version)))
        tmp = Path(tempfile.mkdtemp(prefix=".dl-%s-" % package, dir=self.root))
        try:
            t0 = time.time()
            p = run_quiet(["apt-get", "source", "--only-source", "-q", "%s=%s" % (package, version)],
                          cwd=tmp, env=dict(os.environ, DEBIAN_FRONTEND="noninteractive"),
                          timeout=900)
            trees = [d for d in tmp.iterdir() if d.is_dir()]
            if p.returncode != 0 or len(trees) != 1:
                tail = "; ".join(l for l in p.stdout.splitlines() if l.startswith(("E:", "dpkg-source")))
                raise RuntimeError("apt-get source %s=%s: status %d: %s"
                                   % (package, version, p.returncode, tail or p.stdout[-300:]))
            for f in tmp.iterdir():  # keep only the unpacked tree
                if f.is_file():
                    f.unlink()
            (tmp / ".complete").write_text("%s\n%s\n%s\n" % (package, version, trees[0].name))
            if not move_into_place(tmp, final):  # another run fetched it meanwhile: use theirs
                return self.cached(package)[version]
            say("fetched  %-9s %s (%.1fs)" % (package, version, time.time() - t0))
            return final / trees[0].name
        finally:
            if tmp.exists():
                shutil.rmtree(tmp, ignore_errors=True)


def glob_escape(s):
    return re.sub(r"([*?\[])", r"[\1]", s)


# ---------------------------------------------------------------- builds ----

class Toolchain:
    def __init__(self):
        self.native_cc = os.environ.get("TERN_PROGRAMS_NATIVE_CC") or shutil.which("gcc") or shutil.which("cc")
        self.wasm_cc = os.environ.get("TERN_PROGRAMS_WASM_CC") or shutil.which("clang")
        self.wasm_opt = shutil.which("wasm-opt")
        self.tclsh = shutil.which("tclsh")

    def check(self):
        missing = [n for n, v in (("gcc or cc", self.native_cc), ("clang", self.wasm_cc),
                                  ("wasm-opt (binaryen)", self.wasm_opt),
                                  ("tclsh (tcl, for SQLite's amalgamation)", self.tclsh),
                                  ("make", shutil.which("make"))) if not v]
        if missing:
            raise Fatal("missing tools: " + ", ".join(missing))
        probe = Path(tempfile.mkdtemp(prefix="tern-programs-probe-"))
        try:
            (probe / "t.c").write_text("#include <stdio.h>\nint main(void){puts(\"ok\");return 0;}\n")
            p = run_quiet([self.wasm_cc, "--target=wasm32-wasi", "-O2", "t.c", "-o", "t.wasm"], cwd=probe)
            if p.returncode != 0:
                raise Fatal("clang cannot build for wasm32-wasi (wasi-libc and "
                            "libclang-rt-dev-wasm32 installed?): " + p.stdout.strip()[-400:])
        finally:
            shutil.rmtree(probe, ignore_errors=True)

    def fingerprint(self):
        return "\n".join([tool_version([self.native_cc, "--version"]),
                          tool_version([self.wasm_cc, "--version"]),
                          tool_version([self.wasm_opt, "--version"])])


class Build:
    def __init__(self, prog, version, src, cache, tools):
        self.prog, self.version, self.src, self.tools = prog, version, src, tools
        h = hashlib.sha256()
        for part in (BUILD_SCHEME, version, NATIVE_CFLAGS, WASM_CFLAGS, WASM_LIBS,
                     " ".join(WASM_OPT_FLAGS), tools.fingerprint()):
            h.update(part.encode() + b"\0")
        files = [prog.dir / "build.sh"] + [prog.dir / f for f in prog.build_files]
        files += sorted(p for p in COMMON.rglob("*") if p.is_file())
        for f in files:
            h.update(str(f.relative_to(HERE)).encode() + b"\0" + f.read_bytes() + b"\0")
        self.key = h.hexdigest()[:16]
        self.root = cache / "builds"
        self.dir = self.root / ("%s_%s_%s" % (prog.name, safe_version(version), self.key))
        self.native = self.dir / prog.binary
        self.wasm = {"wasm": self.dir / (prog.binary + ".wasm"),
                     "wasm-opt": self.dir / (prog.binary + ".opt.wasm")}
        self.error = None
        self.seconds = 0.0

    def ready(self):
        return (self.dir / ".complete").is_file()

    def touch(self):
        """Marks the build as used now (see STALE_BUILD_DAYS)."""
        try:
            (self.dir / ".complete").touch()
        except FileNotFoundError:
            pass

    def remove_stale_siblings(self):
        """Removes this program's builds under other keys that no run has used
        for STALE_BUILD_DAYS: a recent one may be another worktree's."""
        for old in self.root.iterdir():
            marker = old / ".complete"
            try:
                if old == self.dir or old.name.startswith(".") or \
                        marker.read_text().split("\n")[0] != self.prog.name or \
                        time.time() - marker.stat().st_mtime < STALE_BUILD_DAYS * 86400:
                    continue
            except (FileNotFoundError, NotADirectoryError):
                continue
            shutil.rmtree(old, ignore_errors=True)

    def recipe(self, target, work, binary):
        if target == "native":
            cc, cflags, libs, compat = self.tools.native_cc, NATIVE_CFLAGS, "", ""
        else:
            cc, cflags, libs = self.tools.wasm_cc, WASM_CFLAGS.format(common=COMMON), WASM_LIBS
            compat = str(COMMON / "wasi_compat.c")
        env = dict(os.environ, CC=cc, CFLAGS=cflags, LIBS=libs, COMPAT=compat, TARGET=target,
                   SRC=str(self.src), HERE=str(self.prog.dir), COMMON=str(COMMON),
                   BIN=str(binary), TMPDIR=str(work))
        script = "set -euo pipefail\n" + (self.prog.dir / "build.sh").read_text()
        p = run_quiet(["bash", "-c", script, "build.sh"], cwd=work, env=env, timeout=1800)
        log = "$ %s build (%s)\n%s" % (self.prog.name, target, p.stdout)
        if p.returncode != 0 or not binary.is_file():
            raise RuntimeError("%s build failed (status %d):\n%s"
                               % (target, p.returncode, "\n".join(log.splitlines()[-40:])))
        return log

    def target(self, target, stage):
        """Builds one target into the staging dir (run by the worker pool)."""
        t0 = time.time()
        work = Path(tempfile.mkdtemp(prefix="work-%s-" % target, dir=stage))
        if target == "native":
            log = self.recipe("native", work, stage / self.prog.binary)
        else:
            wasm = stage / (self.prog.binary + ".wasm")
            log = self.recipe("wasm", work, wasm)
            p = run_quiet([self.tools.wasm_opt, *WASM_OPT_FLAGS, str(wasm),
                           "-o", str(stage / (self.prog.binary + ".opt.wasm"))], timeout=1800)
            if p.returncode != 0:
                raise RuntimeError("wasm-opt failed: " + p.stdout[-2000:])
        shutil.rmtree(work, ignore_errors=True)
        (stage / ("build-%s.log" % target)).write_text(log)
        return time.time() - t0


def build_all(builds, jobs):
    todo = [b for b in builds if not b.ready()]
    for b in builds:
        if b.ready():
            b.touch()
            say("cached   %-9s %s (build %s)" % (b.prog.name, b.version, b.key))
    if not todo:
        return
    stages = {}
    for b in todo:
        b.root.mkdir(parents=True, exist_ok=True)
        stages[b] = Path(tempfile.mkdtemp(prefix=".build-%s-" % b.prog.name, dir=b.root))
    with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as pool:
        futures = {}
        for b in todo:  # the wasm targets first: they take longer (wasm-opt)
            futures[pool.submit(b.target, "wasm", stages[b])] = b
        for b in todo:
            futures[pool.submit(b.target, "native", stages[b])] = b
        pending = {b: 2 for b in todo}
        for f in concurrent.futures.as_completed(futures):
            b = futures[f]
            try:
                b.seconds += f.result()
            except Exception as e:  # a failed build fails its program's runs
                b.error = b.error or str(e)
            pending[b] -= 1
            if pending[b] == 0:
                if b.error:
                    say("BUILD FAILED %s %s:\n%s" % (b.prog.name, b.version, b.error))
                    shutil.rmtree(stages[b], ignore_errors=True)
                    continue
                (stages[b] / ".complete").write_text("%s\n%s\n%s\n" % (b.prog.name, b.version, b.key))
                mine = move_into_place(stages[b], b.dir)
                b.remove_stale_siblings()
                say("built    %-9s %s (build %s, %.0fs of compiling%s)" % (
                    b.prog.name, b.version, b.key, b.seconds, "" if mine else "; another run's copy is used"))


# ------------------------------------------------------------------ runs ----

class Outcome:
    def __init__(self):
        self.status = []   # exit status per step
        self.seconds = 0.0
        self.problem = None  # None, or why the run is not identical to native
        self.dir = None


def prepare_inputs(prog, src, dest):
    dest.mkdir(parents=True, exist_ok=True)
    if prog.inputs:
        for name, data in prog.inputs(src).items():
            (dest / name).write_bytes(data)
    for f in prog.files:
        shutil.copyfile(HERE / f, dest / Path(f).name)


def run_steps(prog, cmd_prefix, inputs, work, timeout, env):
    """Runs every step in `work` (a fresh copy of the inputs). Returns an
    Outcome; step outputs are left in `work`."""
    shutil.copytree(inputs, work)
    out = Outcome()
    out.dir = work
    t0 = time.time()
    for i, step in enumerate(prog.steps):
        left = timeout - (time.time() - t0)
        stdin = open(work / step.stdin, "rb") if step.stdin else subprocess.DEVNULL
        try:
            with open(work / step.save, "wb") as so, open(work / (step.save + ".stderr"), "wb") as se:
                p = subprocess.run(cmd_prefix + step.args, cwd=work, stdin=stdin, stdout=so,
                                   stderr=se, env=env, timeout=max(left, 1))
            out.status.append(p.returncode)
        except subprocess.TimeoutExpired:
            out.status.append(None)
            out.problem = "TIMEOUT after %ds in step %d (%s)" % (timeout, i + 1, describe(prog, step))
            break
        finally:
            if step.stdin:
                stdin.close()
    out.seconds = time.time() - t0
    return out


def describe(prog, step):
    s = " ".join([prog.binary] + [shlex.quote(a) for a in step.args])
    if step.stdin:
        s += " < " + step.stdin
    return s


def first_difference(a, b):
    n = min(len(a), len(b))
    i = next((k for k in range(n) if a[k] != b[k]), n)
    line = a[:i].count(b"\n") + 1
    return i, line


def show_status(s):
    if s is None:
        return "timeout"
    if s < 0:
        return "signal %d" % -s
    return str(s)


def compare(prog, native, tern, who="tern"):
    """None if every step matches, else a description of the first mismatch
    (`who` names the runtime that produced `tern`)."""
    if tern.problem:
        return tern.problem
    for i, step in enumerate(prog.steps):
        a = (native.dir / step.save).read_bytes()
        b = (tern.dir / step.save).read_bytes()
        ns, ts = native.status[i], tern.status[i]
        if step.word_size_dependent:
            a = b  # compared through the decompression step that reads it
        if a == b and ns == ts:
            continue
        what = []
        if ns != ts:
            what.append("exit status %s, native %s" % (show_status(ts), show_status(ns)))
        if a != b:
            off, line = first_difference(a, b)
            what.append("stdout differs at byte %d (line %d; %d bytes vs native %d): "
                        "%s %r, native %r" % (off, line, len(b), len(a), who,
                                              b[max(0, off - 20):off + 40], a[max(0, off - 20):off + 40]))
        err = (tern.dir / (step.save + ".stderr")).read_bytes().decode("utf-8", "replace").strip()
        if err:
            what.append("stderr: " + " | ".join(err.splitlines()[:6]))
        return "step %d (%s): %s" % (i + 1, describe(prog, step), "; ".join(what))
    return None


def native_reference(prog, build, inputs, runs_dir, timeout):
    """Runs the native build twice: the reference outputs, and a check that
    they do not change from one run to the next."""
    env = {}  # the guests see no environment either
    outs = []
    for k in (1, 2):
        work = runs_dir / ("%s.native%d" % (prog.name, k))
        o = run_steps(prog, [str(build.native)], inputs, work, timeout, env)
        if o.problem:
            raise RuntimeError("native run: " + o.problem)
        outs.append(o)
    ref, again = outs
    for i, step in enumerate(prog.steps):
        if (ref.dir / step.save).read_bytes() != (again.dir / step.save).read_bytes() \
                or ref.status[i] != again.status[i]:
            raise RuntimeError("native output of step %d (%s) is not deterministic"
                               % (i + 1, describe(prog, step)))
        if step.native_equals and (ref.dir / step.save).read_bytes() != (ref.dir / step.native_equals).read_bytes():
            raise RuntimeError("native step %d (%s) should reproduce %s but does not"
                               % (i + 1, describe(prog, step), step.native_equals))
    shutil.rmtree(again.dir, ignore_errors=True)
    return ref


def repro_script(prog, tern_cmd, failure_dir, problem):
    lines = ["#!/bin/sh", "# %s" % problem.replace("\n", " "),
             "# Run from this directory (a copy of the run's inputs and outputs).", "cd \"$(dirname \"$0\")\""]
    for step in prog.steps:
        cmd = " ".join(shlex.quote(c) for c in tern_cmd + step.args)
        if step.stdin:
            cmd += " < " + shlex.quote(step.stdin)
        lines.append(cmd + " > " + shlex.quote(step.save + ".again"))
    (failure_dir / "repro.sh").write_text("\n".join(lines) + "\n")


# ------------------------------------------------------------------ main ----

def default_cache():
    """$TERN_PROGRAMS_CACHE, else $XDG_CACHE_HOME/tern-programs or ~/.cache/tern-programs."""
    env = os.environ.get
    return env("TERN_PROGRAMS_CACHE") or str(Path(env("XDG_CACHE_HOME") or Path.home() / ".cache")
                                             / "tern-programs")


def cached_builds(names=None, cache=None):
    """For other tools (bench/run.py): [(Program, Build or None, why not)]
    for PROGRAMS (or those named), each with the build this suite would use,
    found in the cache (default: default_cache()). Downloads and builds
    nothing and creates no directory; a program without a cached source or
    build gets None and a one-line reason. A Build gives .version, .src (the
    unpacked source, for prepare_inputs), .native and .wasm["wasm"] /
    .wasm["wasm-opt"] (the module after wasm-opt -O2). The suite runs the
    modules as `tern run --dir . MODULE ARGS` with the run's directory (a
    copy of the prepared inputs) as cwd, so relative paths work; natively
    the guest sees no environment."""
    cache = Path(cache or default_cache()).expanduser().resolve()
    progs = [p for p in PROGRAMS if names is None or p.name in names]
    if not (cache / "builds").is_dir() or not (cache / "sources").is_dir():
        return [(p, None, "nothing cached in %s" % cache) for p in progs]
    tools = Toolchain()
    sources = Sources(cache)
    out = []
    for p in progs:
        try:
            version, src = sources.get(p, fetch=False)
        except (Skip, Fatal) as e:
            out.append((p, None, str(e)))
            continue
        b = Build(p, version, src, cache, tools)
        if b.ready():
            out.append((p, b, None))
        else:
            out.append((p, None, "no build of %s %s in the cache (build key %s)" % (p.name, version, b.key)))
    return out


def parse_args():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    env = os.environ.get
    ap.add_argument("--tern", default=env("TERN", "build/tern"))
    ap.add_argument("--cache", default=default_cache())
    ap.add_argument("--only", default=env("TERN_PROGRAMS", ""))
    ap.add_argument("--tiers", default=env("TERN_PROGRAMS_TIERS", ",".join(TIERS)))
    ap.add_argument("--variants", default=env("TERN_PROGRAMS_VARIANTS", ",".join(VARIANTS)))
    ap.add_argument("--jobs", type=int, default=int(env("TERN_PROGRAMS_JOBS", "0")) or os.cpu_count() or 2)
    ap.add_argument("--timeout-scale", type=float, default=float(env("TERN_PROGRAMS_TIMEOUT_SCALE", "1")))
    ap.add_argument("--list", action="store_true")
    a = ap.parse_args()
    a.only = [x for x in a.only.replace(" ", ",").split(",") if x]
    a.tiers = [x for x in a.tiers.replace(" ", ",").split(",") if x]
    a.variants = [x for x in a.variants.replace(" ", ",").split(",") if x]
    for t in a.tiers:
        if t not in TIERS:
            ap.error("unknown tier %r (known: %s)" % (t, ", ".join(TIERS)))
    for v in a.variants:
        if v not in VARIANTS:
            ap.error("unknown variant %r (known: %s)" % (v, ", ".join(VARIANTS)))
    names = [p.name for p in PROGRAMS]
    for o in a.only:
        if o not in names:
            ap.error("unknown program %r (known: %s)" % (o, ", ".join(names)))
    return a


def main():
    a = parse_args()
    progs = [p for p in PROGRAMS if not a.only or p.name in a.only]
    if a.list:
        for p in progs:
            print("%-9s %-9s %-18s %s" % (p.name, p.package, p.pinned, p.note))
        return 0
    t_start = time.time()
    tern = Path(a.tern).resolve()
    if not os.access(tern, os.X_OK):
        raise Fatal("no tern binary at %s (--tern)" % tern)
    cache = Path(a.cache).expanduser().resolve()
    cache.mkdir(parents=True, exist_ok=True)
    tools = Toolchain()
    tools.check()

    # Sources and builds.
    sources = Sources(cache)
    got = [(p,) + sources.get(p) for p in progs]
    say("programs: cache %s, tern %s, %d jobs" % (cache, tern, a.jobs))
    builds = [Build(p, ver, src, cache, tools) for p, ver, src in got]
    build_all(builds, a.jobs)
    t_built = time.time()

    # Reference runs, natively.
    runs_dir = new_runs_dir(cache)
    failures_dir = cache / "failures"
    for b in builds:  # earlier failures of what this run will redo (other programs' stay)
        for v in a.variants:
            for t in a.tiers:
                shutil.rmtree(failures_dir / ("%s.%s.%s" % (b.prog.name, v, t)), ignore_errors=True)
    refs, inputs, broken = {}, {}, {}
    for b in builds:
        p = b.prog
        if b.error:
            broken[p.name] = "build failed"
            continue
        inputs[p.name] = runs_dir / (p.name + ".inputs")
        prepare_inputs(p, b.src, inputs[p.name])
        try:
            t0 = time.time()
            refs[p.name] = native_reference(p, b, inputs[p.name], runs_dir, p.timeout)
            say("native   %-9s %s: %d steps, %.2fs" % (p.name, b.version, len(p.steps), refs[p.name].seconds))
        except Exception as e:
            broken[p.name] = str(e)
            say("NATIVE FAILED %s: %s" % (p.name, e))

    # Every (program, variant, tier) on Tern.
    jobs = []
    for b in builds:
        for v in a.variants:
            for t in a.tiers:
                jobs.append((b, v, t))
    # Longest first: the interpreter, the unoptimised module, the big programs.
    jobs.sort(key=lambda j: (j[2] != "interp", j[1] != "wasm", -j[0].prog.timeout))
    results = []

    def one(job):
        b, v, t = job
        p = b.prog
        if p.name in broken:
            return job, None, broken[p.name]
        module = b.wasm[v]
        if t == "cwasm":
            module = runs_dir / ("%s-%s-compiled.cwasm" % (p.name, v))  # beside the run's work directory
            c = subprocess.run([str(tern), "compile", str(b.wasm[v]), "-o", str(module)], capture_output=True)
            if c.returncode != 0:
                return job, None, "tern compile failed: " + c.stderr.decode(errors="replace").strip()
        cmd = [str(tern), "run", *TIERS[t], "--dir", ".", str(module)]
        work = runs_dir / ("%s.%s.%s" % (p.name, v, t))
        limit = p.timeout * a.timeout_scale * (1 if t == "interp" else 0.5)
        o = run_steps(p, cmd, inputs[p.name], work, limit, dict(os.environ))
        problem = compare(p, refs[p.name], o)
        if problem:
            fd = store_failure(work, failures_dir)
            repro_script(p, cmd, fd, problem)
            problem += "\n      outputs and repro.sh in %s" % fd
        else:
            shutil.rmtree(work, ignore_errors=True)
        return job, o, problem

    say("")
    with concurrent.futures.ThreadPoolExecutor(max_workers=a.jobs) as pool:
        for f in concurrent.futures.as_completed([pool.submit(one, j) for j in jobs]):
            job, o, problem = f.result()
            b, v, t = job
            secs = "%7.2fs" % o.seconds if o else "      -"
            say("%s  %-9s %-9s %-11s %s%s" % ("FAIL" if problem else "PASS", b.prog.name, v, t, secs,
                                              "  " + problem if problem else ""))
            results.append((job, problem))

    # Totals.
    say("")
    for t in a.tiers:
        rs = [r for r in results if r[0][2] == t]
        bad = sum(1 for r in rs if r[1])
        say("tier %-11s %3d runs, %3d identical to native, %d differ" % (t, len(rs), len(rs) - bad, bad))
    for b in builds:
        say("version  %-9s %s %s (build %s)" % (b.prog.name, b.prog.package, b.version, b.key))
    bad = sum(1 for r in results if r[1])
    say("time: %.0fs (sources and builds %.0fs, runs %.0fs)"
        % (time.time() - t_start, t_built - t_start, time.time() - t_built))
    say("programs: %d programs, %d runs, %d identical to native, %d differ"
        % (len(builds), len(results), len(results) - bad, bad))
    if not bad:
        shutil.rmtree(runs_dir, ignore_errors=True)
    return 1 if bad or broken else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except Skip as e:
        print("programs: SKIP: %s" % e, flush=True)
        sys.exit(SKIP)
    except Fatal as e:
        print("programs: ERROR: %s" % e, flush=True)
        sys.exit(1)
