#!/usr/bin/env python3
"""Runs one WASI test program on one filesystem backend and checks it.

usage: run_guest.py --backend host|mem --tern TERN --runner RUNNER --tier TIER
                    [--env NAME=VALUE]... [--stdin TEXT] [--stdin-repeat N]
                    [--expect-exit N] [--expect-stdout TEXT]
                    [--expect-stdout-is-stdin] [--expect-stderr TEXT] [--tcp]
                    FILE.wasm [ARGS...]

host: builds this layout in a fresh temporary directory ROOT and runs
      `tern run --tier=TIER --dir box::/sandbox --dir other::/other ...` in it:
        ROOT/secret.txt, ROOT/outside/secret.txt   (outside every preopen)
        ROOT/box       /sandbox, holding abs-link -> ROOT/secret.txt and
                       rel-link -> ../secret.txt
        ROOT/other     /other
      Afterwards everything outside box/ and other/ must be exactly as before
      (names, types, contents, link targets, modification times).
mem:  runs RUNNER (wasi_memfs_runner), which builds the same layout in an
      in-memory filesystem through the embedding API and checks it itself.
--tcp (host only): hands the guest a listening socket with --tcplisten and
      plays the client side of sockets.c.

Unless --expect-stdout is given, the program's last line of output must be
PASS and no line may start with FAIL. The exit status must be --expect-exit
(default 0).
"""
import argparse
import os
import socket
import subprocess
import sys
import tempfile
import threading

SECRET = b"top secret\n"


def build_host_layout(root):
    os.makedirs(os.path.join(root, "box"))
    os.makedirs(os.path.join(root, "other"))
    os.makedirs(os.path.join(root, "outside"))
    for p in ("secret.txt", os.path.join("outside", "secret.txt")):
        with open(os.path.join(root, p), "wb") as f:
            f.write(SECRET)
    os.symlink(os.path.join(root, "secret.txt"), os.path.join(root, "box", "abs-link"))
    os.symlink("../secret.txt", os.path.join(root, "box", "rel-link"))


def snapshot_outside(root):
    """Everything under root except box/ and other/, with enough detail to
    notice any change."""
    snap = {}
    for dirpath, dirnames, filenames in os.walk(root):
        rel = os.path.relpath(dirpath, root)
        if rel == ".":
            dirnames[:] = [d for d in dirnames if d not in ("box", "other")]
            snap["."] = ("dir", sorted(os.listdir(root)))
        for name in dirnames + filenames:
            p = os.path.join(dirpath, name)
            st = os.lstat(p)
            key = os.path.normpath(os.path.join(rel, name))
            if os.path.islink(p):
                snap[key] = ("link", os.readlink(p), st.st_mtime_ns)
            elif os.path.isdir(p):
                snap[key] = ("dir", sorted(os.listdir(p)), st.st_mtime_ns)
            else:
                with open(p, "rb") as f:
                    snap[key] = ("file", f.read(), st.st_mtime_ns, st.st_mode)
    return snap


def free_port():
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def tcp_client(port, errors):
    """The client side of sockets.c."""
    try:
        c = socket.create_connection(("127.0.0.1", port), timeout=30)
        c.sendall(b"ping 1234567890")
        want = b"pongvia fd_write\n"
        got = b""
        while len(got) < len(want):
            chunk = c.recv(100)
            if not chunk:
                break
            got += chunk
        if got != want:
            errors.append("client received %r, expected %r" % (got, want))
        c.sendall(b"x")
        rest = c.recv(100)  # the guest shuts down its sending side: end of stream
        if rest != b"":
            errors.append("client expected end of stream, got %r" % rest)
        c.sendall(b"after")
        c.close()
    except OSError as e:
        errors.append("client: %s" % e)


def run_tcp(cmd, cwd, port):
    proc = subprocess.Popen(cmd, cwd=cwd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    lines = []
    errors = []
    client = None
    watchdog = threading.Timer(90, proc.kill)  # a guest stuck waiting must not hang the suite
    watchdog.start()
    for raw in proc.stdout:
        lines.append(raw)
        if raw.strip() == b"ready":
            client = threading.Thread(target=tcp_client, args=(port, errors))
            client.start()
            break
    out_rest, err = proc.communicate(timeout=120)
    watchdog.cancel()
    if client:
        client.join(timeout=60)
    else:
        errors.append("the guest never printed 'ready'")
    return proc.returncode, b"".join(lines) + out_rest, err, errors


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--backend", choices=["host", "mem"], required=True)
    ap.add_argument("--tern", required=True)
    ap.add_argument("--runner", required=True)
    ap.add_argument("--tier", default="interp")
    ap.add_argument("--env", action="append", default=[])
    ap.add_argument("--stdin", default="")
    ap.add_argument("--stdin-repeat", type=int, default=1)
    ap.add_argument("--expect-exit", type=int, default=0)
    ap.add_argument("--expect-stdout")
    ap.add_argument("--expect-stdout-is-stdin", action="store_true")
    ap.add_argument("--expect-stderr")
    ap.add_argument("--tcp", action="store_true")
    ap.add_argument("wasm")
    ap.add_argument("args", nargs=argparse.REMAINDER)
    o = ap.parse_args()

    stdin = o.stdin.encode() * o.stdin_repeat
    env_flags = []
    for e in o.env:
        env_flags += ["--env", e]
    problems = []
    with tempfile.TemporaryDirectory(prefix="tern-wasi-") as root:
        if o.backend == "host":
            build_host_layout(root)
            before = snapshot_outside(root)
            cmd = [os.path.abspath(o.tern), "run", "--tier=" + o.tier, "--dir", "box::/sandbox",
                   "--dir", "other::/other"] + env_flags
            if o.tcp:
                # The port is free when chosen; should something take it
                # before tern listens on it, choose another.
                for attempt in range(5):
                    port = free_port()
                    full = cmd + ["--tcplisten", "127.0.0.1:%d" % port,
                                  os.path.abspath(o.wasm)] + o.args
                    status, out, err, errors = run_tcp(full, root, port)
                    if not (status == 2 and b"cannot listen" in err):
                        break
                cmd = full
                problems += errors
            else:
                cmd += [os.path.abspath(o.wasm)] + o.args
                r = subprocess.run(cmd, cwd=root, input=stdin, capture_output=True, timeout=120)
                status, out, err = r.returncode, r.stdout, r.stderr
            after = snapshot_outside(root)
            if before != after:
                changed = sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))
                problems.append("the guest changed something outside its preopens: %s" % changed)
        else:
            if o.tcp:
                print("--tcp needs the host backend")
                return 2
            cmd = [os.path.abspath(o.runner), "--tier=" + o.tier] + env_flags + [
                os.path.abspath(o.wasm)] + o.args
            r = subprocess.run(cmd, cwd=root, input=stdin, capture_output=True, timeout=120)
            status, out, err = r.returncode, r.stdout, r.stderr

    text = out.decode("utf-8", "replace")
    if status != o.expect_exit:
        problems.append("exit status %d, expected %d" % (status, o.expect_exit))
    if o.expect_stdout is not None:
        if text != o.expect_stdout:
            problems.append("stdout %r, expected %r" % (text, o.expect_stdout))
    elif o.expect_stdout_is_stdin:
        if out != stdin + b"PASS\n":
            problems.append("stdout (%d bytes) is not stdin (%d bytes) followed by PASS"
                            % (len(out), len(stdin)))
    else:
        lines = text.splitlines()
        if not lines or lines[-1] != "PASS":
            problems.append("the last line of stdout is not PASS")
        if any(l.startswith("FAIL") for l in lines):
            problems.append("some checks failed")
    if o.expect_stderr is not None and err.decode("utf-8", "replace") != o.expect_stderr:
        problems.append("stderr %r, expected %r" % (err.decode("utf-8", "replace"), o.expect_stderr))

    print("$ " + " ".join(cmd))
    sys.stdout.write(text if len(text) < 20000 else text[:20000] + "\n[... stdout cut ...]\n")
    if err:
        sys.stdout.write("--- stderr\n" + err.decode("utf-8", "replace")[:20000])
    if problems:
        print("--- problems")
        for p in problems:
            print("  " + p)
        return 1
    print("--- ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
