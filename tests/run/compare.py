#!/usr/bin/env python3
"""Run one program twice, as Wasm under `tern run` and natively, and compare.

usage: compare.py TERN WASM NATIVE [options] [-- ARGS...]

  --env NAME=VALUE   set for both runs (the native run gets only these
                     variables; tern passes them with --env); repeatable
  --stdin-text TEXT  standard input for both runs (\\n and \\t are decoded)
  --stdin-repeat N   repeat the stdin text N times (for large inputs)
  --dir              give tern `--dir .` (both runs start in the same kind of
                     fresh, empty working directory)
  --tier T           pass --tier=T to tern
  --expect-exit N    both runs must also end with status N
  --timeout S        seconds per run (default 120)

Standard output and the exit status must match. Standard error is shown on a
mismatch but not compared. A process killed by signal S counts as 128+S, the
status a shell reports, which is also what tern uses for a trap (134).
"""
import difflib
import shlex
import os
import subprocess
import sys
import tempfile


def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)


def parse(argv):
    if len(argv) < 3:
        print(__doc__)
        sys.exit(2)
    opts = {
        "tern": argv[0], "wasm": argv[1], "native": argv[2], "env": [],
        "stdin": b"", "repeat": 1, "dir": False, "tier": None, "expect": None,
        "timeout": 120.0, "args": [],
    }
    i = 3
    while i < len(argv):
        a = argv[i]
        if a == "--":
            opts["args"] = argv[i + 1:]
            break
        elif a == "--env":
            i += 1
            opts["env"].append(argv[i])
        elif a == "--stdin-text":
            i += 1
            text = argv[i].replace("\\n", "\n").replace("\\t", "\t")
            opts["stdin"] = text.encode()
        elif a == "--stdin-repeat":
            i += 1
            opts["repeat"] = int(argv[i])
        elif a == "--dir":
            opts["dir"] = True
        elif a == "--tier":
            i += 1
            opts["tier"] = argv[i]
        elif a == "--expect-exit":
            i += 1
            opts["expect"] = int(argv[i])
        elif a == "--timeout":
            i += 1
            opts["timeout"] = float(argv[i])
        else:
            print("compare.py: unknown option " + a)
            sys.exit(2)
        i += 1
    opts["stdin"] = opts["stdin"] * opts["repeat"]
    return opts


def status(code):
    return 128 - code if code < 0 else code


def run(cmd, env, stdin, timeout):
    with tempfile.TemporaryDirectory(prefix="tern-run-") as cwd:
        try:
            p = subprocess.run(cmd, input=stdin, capture_output=True, env=env, cwd=cwd,
                               timeout=timeout)
        except subprocess.TimeoutExpired:
            fail("timed out after %gs: %s" % (timeout, " ".join(cmd)))
        return status(p.returncode), p.stdout, p.stderr


def main():
    o = parse(sys.argv[1:])
    tern = os.path.abspath(o["tern"])
    wasm = os.path.abspath(o["wasm"])
    native = os.path.abspath(o["native"])

    native_env = {}
    for kv in o["env"]:
        name, _, value = kv.partition("=")
        native_env[name] = value
    native_cmd = [native] + o["args"]

    tern_cmd = [tern, "run"]
    if o["tier"]:
        tern_cmd.append("--tier=" + o["tier"])
    for kv in o["env"]:
        tern_cmd += ["--env", kv]
    if o["dir"]:
        tern_cmd += ["--dir", "."]
    tern_cmd += [wasm] + o["args"]

    n_status, n_out, n_err = run(native_cmd, native_env, o["stdin"], o["timeout"])
    w_status, w_out, w_err = run(tern_cmd, dict(os.environ), o["stdin"], o["timeout"])

    problems = []
    if n_out != w_out:
        problems.append("stdout differs")
    if n_status != w_status:
        problems.append("exit status differs: native %d, tern %d" % (n_status, w_status))
    if o["expect"] is not None and (n_status != o["expect"] or w_status != o["expect"]):
        problems.append("expected exit status %d (native %d, tern %d)"
                        % (o["expect"], n_status, w_status))

    print("native: %s" % shlex.join(native_cmd))
    print("tern:   %s" % shlex.join(tern_cmd))
    if not problems:
        print("ok: %d bytes of identical output, exit status %d" % (len(w_out), w_status))
        return 0

    for p in problems:
        print("FAIL: " + p)
    if n_out != w_out:
        diff = difflib.unified_diff(
            n_out.decode(errors="replace").splitlines(keepends=True),
            w_out.decode(errors="replace").splitlines(keepends=True),
            fromfile="native stdout", tofile="tern stdout")
        sys.stdout.writelines(list(diff)[:200])
        print()
    print("--- native stderr ---")
    print(n_err.decode(errors="replace")[-4000:])
    print("--- tern stderr ---")
    print(w_err.decode(errors="replace")[-4000:])
    return 1


if __name__ == "__main__":
    sys.exit(main())
