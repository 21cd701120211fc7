#!/usr/bin/env python3
"""Runs the official WASI test suite (WebAssembly/wasi-testsuite) on `tern run`.

usage: wasi_testsuite.py --tern TERN --suite DIR [--tier TIER]... [--jobs N]
                         [--expect-fail NAME]... [-v]

DIR is a checkout of the suite's prebuilt branch, which holds compiled tests
and their JSON specifications (never committed here; fetch it by hand):

    git clone --depth 1 -b prod/testsuite-base \\
        https://github.com/WebAssembly/wasi-testsuite subprojects/wasi-testsuite

Every `*.wasm` under DIR/tests/*/testsuite/wasm32-wasip1/ is a test. Its
`NAME.json` (optional) says how to run it and what to expect, in either of the
suite's two forms (doc/specification.md in the suite):
  legacy      {"args", "env", "root", "exit_code", "stdout", "stderr"}
  operations  {"operations": [{"type": "run", ...}, {"type": "read", ...},
                               {"type": "wait", ...}], "proposals": [...]}
A test whose operations need more than run/read/wait (sockets, http) is
reported as skipped with that reason.

The guest sees only the environment the specification gives and, when it
names a `root` directory, that directory as `/`. The root is copied into a
temporary directory first, so tests can run in parallel and the checkout is
never modified.

Prints one line per failure (and per test with -v), then
`wasi-testsuite: N passed, N failed, N skipped` per tier. Exit status 0 when
nothing failed, 77 (meson's "skipped") when DIR is not there.
"""
import argparse
import concurrent.futures
import json
import os
import shutil
import subprocess
import sys
import tempfile

SUPPORTED_OPS = {"run", "read", "wait"}


def find_tests(suite):
    tests = []
    base = os.path.join(suite, "tests")
    for lang in sorted(os.listdir(base)):
        d = os.path.join(base, lang, "testsuite", "wasm32-wasip1")
        if not os.path.isdir(d):
            continue
        for name in sorted(os.listdir(d)):
            if name.endswith(".wasm"):
                tests.append(os.path.join(d, name))
    return tests


def load_spec(wasm):
    """Returns (operations, reason-to-skip or None) for one test."""
    path = wasm[:-len(".wasm")] + ".json"
    spec = {}
    if os.path.exists(path):
        with open(path) as f:
            spec = json.load(f)
    if "operations" in spec or "proposals" in spec:
        if spec.get("proposals"):
            return None, "needs proposals " + ",".join(spec["proposals"])
        ops = spec.get("operations") or [{"type": "run"}, {"type": "wait"}]
        unsupported = sorted({op.get("type") for op in ops} - SUPPORTED_OPS)
        if unsupported:
            return None, "needs operations " + ",".join(unsupported)
        return ops, None
    ops = [{"type": "run", "args": spec.get("args", []), "env": spec.get("env", {}),
            "root": spec.get("root")}]
    for stream in ("stdout", "stderr"):
        if spec.get(stream) is not None:
            ops.append({"type": "read", "id": stream, "payload": spec[stream]})
    ops.append({"type": "wait", "exit_code": spec.get("exit_code", 0)})
    return ops, None


def run_test(tern, tier, wasm, ops, timeout):
    """Returns a list of failure messages (empty: passed)."""
    run = next(op for op in ops if op["type"] == "run")
    failures = []
    with tempfile.TemporaryDirectory(prefix="tern-wasi-ts-") as tmp:
        cmd = [tern, "run", "--tier=" + tier]
        for k, v in (run.get("env") or {}).items():
            cmd += ["--env", "%s=%s" % (k, v)]
        if run.get("root"):
            src = os.path.join(os.path.dirname(wasm), run["root"])
            root = os.path.join(tmp, "root")
            shutil.copytree(src, root, symlinks=True,
                            ignore=shutil.ignore_patterns("*.cleanup"))
            cmd += ["--dir", root + "::/"]
        cmd += ["--", wasm] + list(run.get("args") or [])
        try:
            p = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True,
                               timeout=timeout, cwd=tmp, env={"PATH": os.environ.get("PATH", "")})
        except subprocess.TimeoutExpired:
            return ["timed out after %ds" % timeout]
        out = {"stdout": p.stdout.decode("utf-8", "replace"),
               "stderr": p.stderr.decode("utf-8", "replace")}
        for op in ops:
            if op["type"] == "read":
                stream = op.get("id", "stdout")
                want = op.get("payload", "")
                if out[stream] != want:
                    failures.append("%s is %r, expected %r" % (stream, out[stream][:400], want[:400]))
            elif op["type"] == "wait":
                want = op.get("exit_code", 0)
                if p.returncode != want:
                    failures.append("exit status %d, expected %d; stderr: %s"
                                    % (p.returncode, want, out["stderr"].strip()[-600:]))
    return failures


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--tern", required=True)
    ap.add_argument("--suite", required=True)
    ap.add_argument("--tier", action="append", default=[])
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    ap.add_argument("--timeout", type=int, default=60)
    ap.add_argument("--expect-fail", action="append", default=[],
                    help="LANG/NAME of a test known to fail (reported, not counted)")
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args()
    tiers = args.tier or ["interp", "jit"]
    tern = os.path.abspath(args.tern)

    if not os.path.isdir(os.path.join(args.suite, "tests")):
        print("wasi-testsuite: not found at %s; fetch it with\n"
              "  git clone --depth 1 -b prod/testsuite-base "
              "https://github.com/WebAssembly/wasi-testsuite %s" % (args.suite, args.suite))
        return 77

    tests = find_tests(args.suite)
    if not tests:
        print("wasi-testsuite: no wasm32-wasip1 tests under %s" % args.suite)
        return 1

    def label(wasm):
        parts = wasm.split(os.sep)
        return parts[-4] + "/" + parts[-1][:-len(".wasm")]

    status = 0
    for tier in tiers:
        jobs = {}
        skipped = []
        with concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs) as pool:
            for wasm in tests:
                ops, why = load_spec(wasm)
                if why:
                    skipped.append((label(wasm), why))
                    continue
                jobs[label(wasm)] = pool.submit(run_test, tern, tier, wasm, ops, args.timeout)
        passed = failed = xfailed = 0
        for name in sorted(jobs):
            failures = jobs[name].result()
            if not failures:
                if name in args.expect_fail:
                    print("[%s] XPASS %s (listed as expected to fail: remove it)" % (tier, name))
                    failed += 1
                else:
                    passed += 1
                    if args.verbose:
                        print("[%s] ok   %s" % (tier, name))
            elif name in args.expect_fail:
                xfailed += 1
                print("[%s] known failure %s: %s" % (tier, name, "; ".join(failures)))
            else:
                failed += 1
                print("[%s] FAIL %s: %s" % (tier, name, "; ".join(failures)))
        for name, why in skipped:
            print("[%s] skip %s: %s" % (tier, name, why))
        print("wasi-testsuite (%s): %d passed, %d failed, %d skipped"
              % (tier, passed, failed, len(skipped) + xfailed))
        if failed:
            status = 1
    return status


if __name__ == "__main__":
    sys.exit(main())
