"""What bench/run.py's parts share: an engine's description, one timed run of
a process (wall-clock and CPU time and peak RSS of the whole process), the geometric mean,
and the flags that make node compile with Liftoff only (measured by run.py,
named in the report)."""
import math
import os
import signal
import subprocess
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


class Engine:
    def __init__(self, key, label, command, note='', program=None):
        self.key = key          # short id, used on the command line and in JSON
        self.label = label      # column heading
        self.command = command  # (kernel, arg) -> argv
        self.note = note
        # (module, native executable) -> argv of a real program, before its
        # arguments; run with the program's directory as cwd, preopened as '.'
        self.program = program


class Run:
    __slots__ = ('wall', 'cpu', 'maxrss', 'status', 'out', 'err', 'timed_out')


def run_once(argv, timeout, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=None,
             env=None):
    """Runs argv; returns a Run with wall-clock and CPU seconds and the peak
    RSS (KiB) of the whole process, and its stdout and stderr unless they go
    to files."""
    r = Run()
    r.timed_out = False
    t0 = time.perf_counter()
    p = subprocess.Popen(argv, stdin=stdin, stdout=stdout, stderr=stderr, cwd=cwd, env=env, start_new_session=True)
    outputs = {}

    def drain(name, stream):
        outputs[name] = stream.read()

    readers = [threading.Thread(target=drain, args=(n, s)) for n, s in (('out', p.stdout), ('err', p.stderr)) if s]
    for t in readers:
        t.start()

    def kill():
        r.timed_out = True
        try:
            os.killpg(p.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass

    watchdog = threading.Timer(timeout, kill)
    watchdog.start()
    _, status, usage = os.wait4(p.pid, 0)
    t1 = time.perf_counter()
    watchdog.cancel()
    p.returncode = os.waitstatus_to_exitcode(status)
    for t in readers:
        t.join()
    for stream in (p.stdout, p.stderr):
        if stream:
            stream.close()
    r.wall = t1 - t0
    r.cpu = usage.ru_utime + usage.ru_stime
    r.maxrss = usage.ru_maxrss
    r.status = p.returncode
    r.out = outputs.get('out', b'').decode('utf-8', 'replace').strip()
    r.err = outputs.get('err', b'').decode('utf-8', 'replace').strip()
    return r


def geomean(xs):
    xs = [x for x in xs if x and x > 0]
    return math.exp(sum(math.log(x) for x in xs) / len(xs)) if xs else None


NODE_COMPILE_FLAGS = ['--liftoff-only', '--no-wasm-lazy-compilation', '--wasm-num-compilation-tasks=0',
                      '--no-wasm-native-module-cache-enabled']
