#!/usr/bin/env python3
"""Run Tern's benchmark kernels and real programs on Tern and its peers, interleaved, and report.

    python3 bench/run.py [--build DIR] [--rounds N] [--quick] [--kernels a,b]
                         [--engines a,b] [--arg KERNEL=ARG]... [--no-write]
                         [--programs [A,B] | --no-programs | --only-programs]
                         [--programs-cache DIR] [--update-readme] [--rerender]
                         [--baseline DIR]

Every kernel in bench/kernels/ is built by meson (ninja -C DIR) to
DIR/bench/NAME.wasm (clang, wasm32-wasi, -O2) and DIR/bench/NAME.native
(gcc -O2). Each round runs every kernel once on every engine, the engines in
an order rotated from round to round (A B C, B C A, ...), so slow drifts of a
shared machine hit all engines alike. The reported time is the median over the
rounds of whole-process wall-clock time: process start, module load and
compile, the run and exit, measured the same way for every engine (node's
start-up and V8's compilation count for node as Tern's count for Tern). CPU
time (user + system, all threads) is recorded too.

Every run's stdout must equal the native build's (the kernels print
checksums); a difference, a non-zero exit status or a timeout is reported
loudly and makes the command exit with status 1.

Engines: tern-jit, tern-interp, liftoff (node --liftoff-only), v8 (node with
its defaults: Liftoff, then TurboFan for hot functions), native (gcc -O2), and
optional peers used when found: wasmtime, wasmer, wasm3, iwasm (on PATH, or
named by the environment variables WASMTIME, WASMER, WASM3, IWASM), and wabt
(wabt's wasm-interp built with WASI support; very slow, so only when the
environment variable WABT_INTERP names it or --engines lists wabt). NODE
names the node binary (default: node on PATH). A wasm-interp without WASI
(Debian's) is compared with tern's interpreter by bench/wabt_compare.py
instead, on import-free builds of the same kernels.

Real programs: the programs of the `programs` test suite
(tests/programs/run_programs.py, imported for its program list, inputs,
comparison and cache; `--programs-cache DIR` if not its default), from their
cached builds: nothing is downloaded or built here, and without cached builds
the programs are skipped with one note. The module run is the one after
`wasm-opt -O2` (NAME.opt.wasm). One measurement is all of a program's steps,
each a process, in a fresh copy of its inputs that is the working directory,
preopened as '.': the sum of their wall-clock (and CPU) times, in the same
rotated rounds as the kernels. Every step's stdout and exit status must match
the native build's (only the status for word-size-dependent steps), else the
run is reported loudly, its outputs are kept, and the exit status is 1. On by
default when the cache has builds; --programs A,B picks some, --no-programs
skips them, --only-programs runs nothing else (no kernels, no compile
throughput). --timeout applies to one kernel run or to all of a program's
steps.

It also measures compile throughput on the largest module (all kernels in one,
DIR/bench/all.wasm): MB of code section per second, on one thread, for tern
jit (bench/compile_bench) and V8's Liftoff (bench/node_compile.mjs, eager,
no compilation tasks).

Writes bench/results/latest.md, latest.svg (ratio to Liftoff per kernel and
engine) and latest.json (every sample; the real programs under "programs")
unless --no-write (implied by --quick); --update-readme also replaces the
results (both tables) in README.md's
Performance section (between its two marker comments). --rerender runs
nothing and rewrites the reports from bench/results/latest.json.

--baseline DIR measures another Tern revision in the same run: DIR is its
meson build directory (e.g. a worktree of main built in DIR); its tern runs
this build's modules as engines base-jit and base-interp, and its
compile_bench joins the compile-throughput measurement. The figures for a
change that must not slow Tern down come from one such run.
"""

import argparse
import datetime
import json
import math
import os
import pathlib
import platform
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time

BENCH = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(BENCH)



def read_kernels():
    """bench/kernels/kernels.txt, the one list of kernels: name -> its
    columns (arg, --quick arg, wabt arg, wabt --quick arg, what it stresses)."""
    kernels = {}
    with open(os.path.join(BENCH, 'kernels', 'kernels.txt')) as f:
        for line in f:
            if line.strip() and not line.startswith('#'):
                cols = line.split(None, 5)
                kernels[cols[0]] = (cols[1], cols[2], cols[3], cols[4], cols[5].strip())
    return kernels


# name -> (default argument, --quick argument, what it stresses)
KERNELS = {k: (c[0], c[1], c[4]) for k, c in read_kernels().items()}

STARTUP_SAMPLES = 5  # runs of `fib 1` per engine

COLORS = {
    'tern-jit': '#d9480f', 'tern-interp': '#f59f00', 'liftoff': '#495057', 'v8': '#1c7ed6',
    'native': '#2b8a3e', 'wasmtime': '#7048e8', 'wasmer': '#ae3ec9', 'wasm3': '#0c8599',
    'iwasm': '#c2255c', 'wabt': '#868e96', 'base-jit': '#ff8787', 'base-interp': '#ffd43b',
}


class Engine:
    def __init__(self, key, label, command, note='', program=None):
        self.key = key          # short id, used on the command line and in JSON
        self.label = label      # column heading
        self.command = command  # (kernel, arg) -> argv
        self.note = note
        # (module, native executable) -> argv of a real program, before its
        # arguments; run with the program's directory as cwd, preopened as '.'
        self.program = program


def find_tool(env_name, names):
    path = os.environ.get(env_name)
    if path:
        return path if os.path.exists(path) or shutil.which(path) else None
    for n in names:
        found = shutil.which(n)
        if found:
            return found
    return None


def make_engines(build, requested, kernels=KERNELS, baseline=None):
    """The engines found, and notes on those missing. An engine without its
    kernel builds is left out; the native engine needs the kernels' native
    builds only when kernels are to be run (`kernels`). `baseline`, a build
    directory of another Tern revision, adds base-jit and base-interp: its
    tern on this build's modules."""
    wasm = lambda k: os.path.join(build, 'bench', k + '.wasm')
    node_run = os.path.join(BENCH, 'node_run.mjs')
    engines = []
    missing = []
    terns = [('tern', 'tern', os.path.join(build, 'tern'))]
    if baseline:
        terns.append(('base', 'baseline tern', os.path.join(baseline, 'tern')))
    for prefix, name, tern in terns:
        if not os.access(tern, os.X_OK):
            missing.append('%s (%s not built)' % (name, tern))
            continue
        for tier in ('jit', 'interp'):
            engines.append(Engine(prefix + '-' + tier, name + ' ' + tier,
                                  lambda k, a, tier=tier, tern=tern: [tern, 'run', '--tier=' + tier, wasm(k), a],
                                  '`%s run --tier=%s`' % (tern if prefix == 'base' else 'tern', tier),
                                  lambda m, n, tier=tier, tern=tern: [tern, 'run', '--tier=' + tier, '--dir', '.',
                                                                      m]))
    node = find_tool('NODE', ['node', 'nodejs'])
    if node:
        for key, label, flags, note in (
                ('liftoff', 'Liftoff', ['--liftoff-only'], '`node --liftoff-only bench/node_run.mjs`, V8\'s '
                 'single-pass compiler and never TurboFan'),
                ('v8', 'V8', [], '`node bench/node_run.mjs` with V8\'s defaults: Liftoff, then TurboFan for hot '
                 'functions')):
            argv0 = [node] + flags + ['--no-warnings', node_run]
            engines.append(Engine(key, label, lambda k, a, argv0=argv0: argv0 + [wasm(k), a], note,
                                  lambda m, n, argv0=argv0: argv0 + ['--dir', '.', m]))
    else:
        missing.append('node')
    if all(os.access(os.path.join(build, 'bench', k + '.native'), os.X_OK) for k in kernels):
        engines.append(Engine('native', 'native', lambda k, a: [os.path.join(build, 'bench', k + '.native'), a],
                              'the same C built with `gcc -O2`', lambda m, n: [n]))
    else:
        missing.append('native (gcc) builds')
    # (key, environment variable, names on PATH, argv before the module, argv between module and argument,
    # the options that preopen the working directory as '.' for real programs: wasm3 preopens it itself)
    peers = [
        ('wasmtime', 'WASMTIME', ['wasmtime'], ['run'], [], ['--dir', '.']),
        ('wasmer', 'WASMER', ['wasmer'], ['run'], ['--'], ['--dir', '.']),
        ('wasm3', 'WASM3', ['wasm3'], [], [], []),
        ('iwasm', 'IWASM', ['iwasm'], [], [], ['--dir=.']),
        ('wabt', 'WABT_INTERP', ['wasm-interp'], ['--wasi'], [], ['--dir=.']),
    ]
    for key, env, names, before, between, dirs in peers:
        if key == 'wabt' and not os.environ.get(env) and 'wabt' not in (requested or []):
            continue  # far too slow to run unasked
        exe = find_tool(env, names)
        if exe:
            command = lambda k, a, exe=exe, before=before, between=between: [exe] + before + [wasm(k)] + between + [a]
            # Program arguments start with '-': end the runner's options first where it has a way to.
            after = between or (['--'] if key == 'wabt' else [])
            program = lambda m, n, exe=exe, before=before, dirs=dirs, after=after: [exe] + before + dirs + [m] + after
            engines.append(Engine(key, key, command, '`%s`' % ' '.join([exe] + before + ['K.wasm'] + between),
                                  program))
    return engines, missing


class Run:
    __slots__ = ('wall', 'cpu', 'status', 'out', 'err', 'timed_out')


def run_once(argv, timeout, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=None,
             env=None):
    """Runs argv; returns a Run with wall-clock and CPU seconds of the whole
    process, and its stdout and stderr unless they go to files."""
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
    r.status = p.returncode
    r.out = outputs.get('out', b'').decode('utf-8', 'replace').strip()
    r.err = outputs.get('err', b'').decode('utf-8', 'replace').strip()
    return r


def geomean(xs):
    xs = [x for x in xs if x and x > 0]
    return math.exp(sum(math.log(x) for x in xs) / len(xs)) if xs else None


def loud(msg):
    bar = '!' * 78
    print('\n%s\n%s\n%s' % (bar, msg, bar), file=sys.stderr, flush=True)


def code_section_size(path):
    with open(path, 'rb') as f:
        b = f.read()
    pos = 8
    while pos < len(b):
        sid = b[pos]
        pos += 1
        size = shift = 0
        while True:
            byte = b[pos]
            pos += 1
            size |= (byte & 0x7f) << shift
            shift += 7
            if not byte & 0x80:
                break
        if sid == 10:
            return size
        pos += size
    return 0


def capture(argv):
    try:
        return subprocess.run(argv, capture_output=True, text=True, timeout=60).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ''


def host_info(build, node):
    cpu = platform.processor()
    try:
        with open('/proc/cpuinfo') as f:
            for line in f:
                if line.startswith('model name'):
                    cpu = line.split(':', 1)[1].strip()
                    break
    except OSError:
        pass
    rev = capture(['git', '-C', ROOT, 'rev-parse', '--short', 'HEAD'])
    if rev and capture(['git', '-C', ROOT, 'status', '--porcelain', '--untracked-files=no']):
        rev += ' with uncommitted changes'
    gcc = capture(['gcc', '--version']).splitlines()
    clang = capture(['clang', '--version']).splitlines()
    info = {
        'date': datetime.datetime.now(datetime.timezone.utc).strftime('%Y-%m-%d %H:%M UTC'),
        'cpu': cpu,
        'cores': os.cpu_count(),
        'os': '%s %s' % (platform.system(), platform.release()),
        'tern': capture([os.path.join(build, 'tern'), '--version']) + (' (%s)' % rev if rev else ''),
        'gcc': gcc[0] if gcc else '?',
        'clang': clang[0] if clang else '?',
        'load_start': os.getloadavg()[0],
    }
    if node:
        info['node'] = '%s (V8 %s)' % (capture([node, '--version']), capture([node, '-p', 'process.versions.v8']))
    return info


# ---------------------------------------------------------------------------
# Compile throughput

NODE_COMPILE_FLAGS = ['--liftoff-only', '--no-wasm-lazy-compilation', '--wasm-num-compilation-tasks=0',
                      '--no-wasm-native-module-cache-enabled']


def compile_throughput(build, node, rounds, iterations, baseline=None):
    candidates = [os.path.join(build, 'bench', k + '.wasm') for k in KERNELS]
    candidates.append(os.path.join(build, 'bench', 'all.wasm'))
    candidates = [c for c in candidates if os.path.exists(c)]
    if not candidates:
        return None
    module = max(candidates, key=code_section_size)
    bench = os.path.join(build, 'bench', 'compile_bench')
    tools = []
    if os.access(bench, os.X_OK):
        tools.append(('tern-jit', [bench, module, '--tier=jit']))
        tools.append(('tern-interp', [bench, module, '--tier=interp']))
    base_bench = os.path.join(baseline, 'bench', 'compile_bench') if baseline else None
    if base_bench and os.access(base_bench, os.X_OK):
        tools.append(('base-jit', [base_bench, module, '--tier=jit']))
        tools.append(('base-interp', [base_bench, module, '--tier=interp']))
    if node:
        tools.append(('liftoff', [node] + NODE_COMPILE_FLAGS + [os.path.join(BENCH, 'node_compile.mjs'), module]))
    if iterations:
        tools = [(k, a + (['--iterations', str(iterations)] if k != 'liftoff' else [str(iterations)]))
                 for k, a in tools]
    samples = {k: {'wall': [], 'cpu': [], 'lines': []} for k, _ in tools}
    for r in range(rounds):
        for key, argv in tools[r % len(tools):] + tools[:r % len(tools)]:
            res = subprocess.run(argv, capture_output=True, text=True, timeout=600)
            line = res.stdout.strip()
            m = re.search(r': ([0-9.]+) MB/s .*by cpu time ([0-9.]+) MB/s', line)
            if res.returncode != 0 or not m:
                loud('COMPILE BENCHMARK FAILED: %s (status %d)\n%s\n%s' % (key, res.returncode, line,
                                                                          res.stderr.strip()))
                continue
            samples[key]['wall'].append(float(m.group(1)))
            samples[key]['cpu'].append(float(m.group(2)))
            samples[key]['lines'].append(line)
            print('  ' + line, flush=True)
    result = {'module': os.path.relpath(module, ROOT), 'code_bytes': code_section_size(module), 'engines': {}}
    for key, s in samples.items():
        if s['wall']:
            result['engines'][key] = {'mb_s': statistics.median(s['wall']), 'mb_s_cpu': statistics.median(s['cpu']),
                                      'samples': s['wall'], 'samples_cpu': s['cpu'], 'lines': s['lines']}
    return result


# ---------------------------------------------------------------------------
# Real programs: tests/programs/run_programs.py's programs, from its cache

PROGRAM_VARIANT = 'wasm-opt'  # the module after `wasm-opt -O2`: real programs ship optimised
PROGRAMS_DIR = os.path.join(ROOT, 'tests', 'programs')


def import_run_programs():
    """tests/programs/run_programs.py as a module: (module, None) or (None, why not)."""
    sys.path.insert(0, PROGRAMS_DIR)
    try:
        import run_programs
        return run_programs, None
    except Exception as e:  # a broken or missing suite must not stop the kernels
        return None, 'cannot import %s: %s' % (os.path.relpath(os.path.join(PROGRAMS_DIR, 'run_programs.py'), ROOT),
                                                 e)
    finally:
        sys.path.remove(PROGRAMS_DIR)


class RealPrograms:
    """The programs with a cached build, their inputs prepared in a scratch
    directory and their native reference outputs (run_programs.py's own
    functions: the same inputs, steps and comparison as the test suite)."""

    def __init__(self, rp, found, timeout):
        self.rp = rp
        self.timeout = timeout
        self.scratch = pathlib.Path(tempfile.mkdtemp(prefix='tern-bench-programs-'))
        self.failures = self.scratch / 'failures'
        self.progs, self.builds, self.inputs, self.refs = [], {}, {}, {}
        self.broken = {}  # name -> why its native reference could not be had
        for prog, build, _ in found:
            name = prog.name
            try:
                self.inputs[name] = self.scratch / (name + '.inputs')
                rp.prepare_inputs(prog, build.src, self.inputs[name])
                self.refs[name] = rp.native_reference(prog, build, self.inputs[name], self.scratch, timeout)
            except Exception as e:  # noqa: the suite's native run failed: a problem, reported by the caller
                self.broken[name] = '%s: %s' % (type(e).__name__, e)
                continue
            self.progs.append(prog)
            self.builds[name] = build

    def names(self):
        return [p.name for p in self.progs]

    def argv0(self, prog, engine):
        b = self.builds[prog.name]
        return engine.program(str(b.wasm[PROGRAM_VARIANT]), str(b.native))

    def measure(self, prog, engine, tag):
        """Runs every step of `prog` on `engine` in a fresh copy of its inputs,
        each step one process with the copy as cwd (preopened as '.'), as the
        test suite runs them. Returns (wall, cpu, None) summed over the steps,
        or (None, None, (FAIL or MISMATCH, message)) when a step timed out,
        crashed, or its stdout or exit status differs from native's."""
        rp = self.rp
        work = self.scratch / ('%s.%s.%s' % (prog.name, engine.key, tag))
        shutil.copytree(self.inputs[prog.name], work)
        argv0 = self.argv0(prog, engine)
        env = {} if engine.key == 'native' else None  # run_programs.py's native runs see no environment
        out = rp.Outcome()
        out.dir = work
        wall = cpu = 0.0
        for i, step in enumerate(prog.steps):
            stdin = open(work / step.stdin, 'rb') if step.stdin else subprocess.DEVNULL
            try:
                with open(work / step.save, 'wb') as so, open(work / (step.save + '.stderr'), 'wb') as se:
                    r = run_once(argv0 + step.args, max(self.timeout - wall, 1), stdin, so, se, cwd=work, env=env)
            finally:
                if step.stdin:
                    stdin.close()
            wall += r.wall
            cpu += r.cpu
            if r.timed_out:
                out.status.append(None)
                out.problem = 'TIMEOUT after %g s in step %d of %d (%s)' % (self.timeout, i + 1, len(prog.steps),
                                                                           rp.describe(prog, step))
                break
            out.status.append(r.status)
        out.seconds = wall
        problem = rp.compare(prog, self.refs[prog.name], out, who=engine.key)
        if not problem:
            shutil.rmtree(work, ignore_errors=True)
            return wall, cpu, None
        crashed = out.problem or any(s != n for s, n in zip(out.status, self.refs[prog.name].status))
        self.failures.mkdir(exist_ok=True)
        kept = self.failures / work.name
        shutil.move(str(work), str(kept))
        rp.repro_script(prog, argv0, kept, problem)
        return None, None, ('FAIL' if crashed else 'MISMATCH',
                            '%s on %s: %s (outputs and repro.sh in %s)' % (prog.name, engine.key, problem, kept))

    def describe(self, engines):
        """The programs part of latest.json, less the samples and medians."""
        d = {'variant': PROGRAM_VARIANT, 'optimised_by': 'wasm-opt ' + ' '.join(self.rp.WASM_OPT_FLAGS),
             'programs': {}, 'commands': {}}
        for p in self.progs:
            b = self.builds[p.name]
            d['programs'][p.name] = {
                'package': p.package, 'version': b.version, 'build': b.key, 'steps': len(p.steps), 'note': p.note,
                'module': str(b.wasm[PROGRAM_VARIANT]), 'module_bytes': os.path.getsize(b.wasm[PROGRAM_VARIANT]),
                'native': str(b.native)}
        for e in engines:
            d['commands'][e.key] = e.program('PROGRAM.opt.wasm', 'PROGRAM') + ['ARGS...']
        return d

    def cleanup(self):
        """Removes the scratch directory unless it holds a failed run."""
        if self.failures.exists():
            for d in self.scratch.iterdir():
                if d != self.failures:
                    shutil.rmtree(d, ignore_errors=True)
            return str(self.failures)
        shutil.rmtree(self.scratch, ignore_errors=True)
        return None


def find_programs(names, cache, timeout):
    """(RealPrograms or None, why None, notes, problems). Only cached builds
    are used: nothing is downloaded or built here (run_programs.py does
    that). No build at all gives None and the reason; a failing native run
    is a problem."""
    rp, why = import_run_programs()
    if not rp:
        return None, why, [], []
    if names:
        unknown = [n for n in names if n not in {p.name for p in rp.PROGRAMS}]
        if unknown:
            raise ValueError('unknown program(s) %s (known: %s)' % (', '.join(unknown),
                                                                   ', '.join(p.name for p in rp.PROGRAMS)))
    cache = cache or rp.default_cache()
    found = rp.cached_builds(names, cache)
    have = [f for f in found if f[1]]
    hint = 'build them with `tests/programs/run_programs.py --tern build/tern` (needs deb-src entries and network)'
    if not have:
        reasons = sorted({why for _, _, why in found})
        return None, 'no cached build in %s (%s); %s' % (
            cache, reasons[0] if len(reasons) == 1 else '%d programs missing' % len(found), hint), [], []
    notes = []
    if len(have) < len(found):
        notes.append('real programs left out, not in the cache: %s; %s' %
                     ('; '.join('%s (%s)' % (p.name, why) for p, b, why in found if not b), hint))
    progs = RealPrograms(rp, have, timeout)
    progs.left_out = {p.name: why for p, b, why in found if not b}
    progs.left_out.update((n, 'its native run failed') for n in progs.broken)
    problems = ['FAILED: %s native reference run: %s' % (n, why) for n, why in progs.broken.items()]
    if not progs.progs:
        progs.cleanup()
        return None, 'no program\'s native reference run succeeded', notes, problems
    return progs, None, notes, problems


# ---------------------------------------------------------------------------
# Reports

def fmt_time(t):
    if t is None:
        return '—'
    return '%.3f' % t if t < 10 else '%.2f' % t


def fmt_ratio(x):
    if x is None:
        return '—'
    return '%.2f' % x if x < 10 else '%.1f' % x


def summarize(kernels, engines, results, startup, processes=None):
    """Per (kernel, engine): median wall and CPU time, and their ratios to
    Liftoff and native; also the wall time less the engine's start-up (the
    median `fib 1` run) times the processes a measurement starts (processes[k],
    default 1). Per engine: the geometric means."""
    table = {}
    for k in kernels:
        for e in engines:
            s = results[k][e.key]
            ok = s['ok'] and s['wall']
            wall = statistics.median(s['wall']) if ok else None
            start = startup.get(e.key, {}).get('median')
            if start is not None:
                start *= (processes or {}).get(k, 1)
            table[k, e.key] = {
                'wall': wall,
                'cpu': statistics.median(s['cpu']) if ok else None,
                'net': wall - start if wall and start is not None and wall > start else None,
            }

    def ratio(a, b):
        return a / b if a and b else None

    for k in kernels:
        lift = table.get((k, 'liftoff'), {})
        nat = table.get((k, 'native'), {})
        for e in engines:
            c = table[k, e.key]
            for what, ref in (('liftoff', lift), ('native', nat)):
                c['vs_' + what] = ratio(c['wall'], ref.get('wall'))
                c['cpu_vs_' + what] = ratio(c['cpu'], ref.get('cpu'))
                c['net_vs_' + what] = ratio(c['net'], ref.get('net'))
    geo = {}
    for e in engines:
        cells = [table[k, e.key] for k in kernels]
        geo[e.key] = {'wall': geomean([c['wall'] for c in cells]), 'kernels': sum(1 for c in cells if c['wall'])}
        for key in ('vs_liftoff', 'vs_native', 'cpu_vs_liftoff', 'cpu_vs_native', 'net_vs_liftoff', 'net_vs_native'):
            geo[e.key][key] = geomean([c[key] for c in cells])
    return table, geo


def run_table(args, kernels, engines, table, geo, heading=('kernel', 'arg'), second=None):
    """The run-time table: (legend, markdown lines). One row per kernel (or
    real program: `heading` names the first two columns, `second` gives the
    second column's cell; default: the kernel's argument)."""
    second = second or (lambda k: args.kernel_args[k])
    have_lift = any(e.key == 'liftoff' for e in engines)
    have_native = any(e.key == 'native' for e in engines)
    T = []
    legend = 'median seconds'
    parts = []
    if have_lift:
        parts.append('× Liftoff')
    if have_native:
        parts.append('× native')
    if parts:
        legend += ' (%s)' % ' / '.join(parts)
    T.append('| %s | %s | ' % heading + ' | '.join(e.label for e in engines) + ' |')
    T.append('| --- | ---: | ' + ' | '.join('---:' for _ in engines) + ' |')

    def cell(c, status):
        if status:
            return status
        if c['wall'] is None:
            return '—'
        s = fmt_time(c['wall'])
        rs = []
        if have_lift:
            rs.append(fmt_ratio(c['vs_liftoff']))
        if have_native:
            rs.append(fmt_ratio(c['vs_native']))
        return s + (' (%s)' % ' / '.join(rs) if rs else '')

    for k in kernels:
        row = [k, second(k)]
        for e in engines:
            row.append(cell(table[k, e.key], table[k, e.key].get('status')))
        T.append('| ' + ' | '.join(row) + ' |')
    row = ['**geomean**', '']
    for e in engines:
        g = geo[e.key]
        rs = []
        if have_lift:
            rs.append('**%s**' % fmt_ratio(g['vs_liftoff']))
        if have_native:
            rs.append(fmt_ratio(g['vs_native']))
        s = fmt_time(g['wall']) + (' (%s)' % ' / '.join(rs) if rs else '')
        if g['kernels'] < len(kernels):
            s += ' [%d of %d]' % (g['kernels'], len(kernels))
        row.append(s)
    T.append('| ' + ' | '.join(row) + ' |')
    extra = (('cpu', 'geomean by CPU time'), ('net', 'geomean, start-up subtracted'))
    for prefix, title in extra if have_lift or have_native else ():
        if not any(geo[e.key].get(prefix + '_vs_liftoff') or geo[e.key].get(prefix + '_vs_native') for e in engines):
            continue
        row = [title, '']
        for e in engines:
            g = geo[e.key]
            rs = []
            if have_lift:
                rs.append(fmt_ratio(g.get(prefix + '_vs_liftoff')))
            if have_native:
                rs.append(fmt_ratio(g.get(prefix + '_vs_native')))
            row.append('(%s)' % ' / '.join(rs))
        T.append('| ' + ' | '.join(row) + ' |')
    return legend, T


def programs_table(args, engines, progs):
    """(legend, markdown lines) of the real programs, from the programs part of latest.json."""
    names = list(progs['medians'])
    table = {(n, e): cell for n, cells in progs['medians'].items() for e, cell in cells.items()}
    engines = [e for e in engines if e.key in progs['geomeans']]
    return run_table(args, names, engines, table, progs['geomeans'], ('program', 'steps'),
                     lambda n: str(progs['programs'][n]['steps']))


def programs_markdown(args, engines, progs):
    """The report's section on the real programs."""
    if progs.get('skipped'):
        return ['## Real programs', '', 'Not run: %s.' % progs['skipped'], '']
    legend, rows = programs_table(args, engines, progs)
    L = ['## Real programs: %s; lower is faster' % legend, '']
    L.append('The programs of the `programs` test suite (`tests/programs/run_programs.py`): Debian source '
             'packages built natively (`gcc -O2`) and for wasm32-wasi (`clang -O2`); the module measured is the '
             'one after `%s` (`.opt.wasm`), as real programs ship optimised. Each time is the median over the '
             'rounds of the **sum of whole-process wall-clock time over the program\'s steps** (each step one '
             'process, the same steps and inputs as the test suite, in a fresh copy of the inputs that is the '
             'working directory and is preopened as `.`), in the same interleaved rounds as the kernels. Every '
             'step\'s stdout and exit status must equal the native build\'s (exit status only, as in the suite, '
             'for the steps whose output legitimately depends on the word size; a later decompression step '
             'checks them byte for byte). Every step pays the engine\'s start-up (node\'s is about 0.1 s), '
             'which weighs on the programs of many short steps; the start-up-subtracted row takes the '
             'engine\'s start-up time (*Start-up* below) once per step off each time.'
             % progs.get('optimised_by', 'wasm-opt -O2'))
    L.append('')
    L.extend(rows)
    L.append('')
    L.append('Programs: ' + '; '.join('%s (%s %s, %d KB module): %s' %
                                      (n, d['package'], d['version'], d['module_bytes'] // 1024, d['note'])
                                      for n, d in progs['programs'].items()) + '.')
    L.append('')
    if progs.get('left_out'):
        L.append('Left out: ' + '; '.join('%s (%s)' % kv for kv in progs['left_out'].items()) + '.')
        L.append('')
    return L


def markdown(info, args, kernels, engines, table, geo, problems, startup, compile_res, progs=None):
    have_lift = any(e.key == 'liftoff' for e in engines)
    have_native = any(e.key == 'native' for e in engines)
    L = []
    L.append('# Benchmark results')
    L.append('')
    L.append('Measured %s on %s (%s cores), %s; load average %.1f at the start, %.1f at the end.  ' %
             (info['date'], info['cpu'], info['cores'], info['os'], info['load_start'], info['load_end']))
    L.append('%s; node %s; native: %s; wasm: %s, `--target=wasm32-wasi -O2`.  ' %
             (info['tern'], info.get('node', 'not found'), info['gcc'], info['clang']))
    L.append('Command: `%s`' % info['command'])
    L.append('')
    L.append('Each time is the median of %d round%s of **whole-process wall-clock time**: process start, '
             'module compile, the run and exit, measured the same way for every engine, so node\'s start-up '
             'and V8\'s compilation count for V8 as Tern\'s do for Tern (see *Start-up* below for what a '
             'near-empty run costs). The engines ran interleaved: each round ran every %s once on every '
             'engine, in an order rotated from round to round.' % (
                 args.rounds, '' if args.rounds == 1 else 's',
                 ' and every '.join(([] if not kernels else ['kernel']) +
                                    ([] if not progs or progs.get('skipped') else ['real program']))))
    L.append('')
    if problems:
        L.append('**Problems:** %d run(s) printed a different checksum or output, failed or timed out; their '
                 'cells show `FAIL` or `MISMATCH` and they are left out of the means:' % len(problems))
        L.append('')
        for p in problems:
            L.append('- ' + p.replace('\n', ' ')[:400])
        L.append('')
    else:
        L.append('Every engine printed the same %s as the native build on every run.' %
                 ('checksums' if not progs or progs.get('skipped') else 'checksums and program outputs'))
        L.append('')
    if kernels:
        legend, rows = run_table(args, kernels, engines, table, geo)
        L.append('## Run time: %s; lower is faster' % legend)
        L.append('')
        L.extend(rows)
        L.append('')
        L.append('Engines: ' + '; '.join('%s: %s' % (e.label, e.note) for e in engines) + '. '
                 'The CPU-time row uses user + system time of the whole process (all its threads: V8\'s '
                 'background compilation and GC count there, not in wall time); the start-up-subtracted row uses '
                 'each median wall time less the engine\'s start-up time below. Kernels: `bench/kernels/*.c`, '
                 'one per row, each printing a checksum.')
        L.append('')
    if progs:
        L.extend(programs_markdown(args, engines, progs))
    if startup:
        L.append('## Start-up')
        L.append('')
        L.append('Median wall-clock time of `fib 1` (start the process, compile the module, print one line, '
                 'exit), %d samples per engine:' % len(next(iter(startup.values()))['samples']))
        L.append('')
        L.append('| ' + ' | '.join(e.label for e in engines if e.key in startup) + ' |')
        L.append('| ' + ' | '.join('---:' for e in engines if e.key in startup) + ' |')
        L.append('| ' + ' | '.join('%.1f ms' % (startup[e.key]['median'] * 1e3) for e in engines
                                    if e.key in startup) + ' |')
        L.append('')
    if compile_res and compile_res['engines']:
        ce = compile_res['engines']
        L.append('## Compile throughput')
        L.append('')
        L.append('MB (10^6 bytes) of code section compiled per second on one thread, on `%s` (code section %d '
                 'bytes: all kernels in one module, the largest module here); median of %d interleaved runs of '
                 'each tool, each reporting its median over many compiles. tern: `bench/compile_bench`, timing '
                 '`Module::compile` (decode, validate, lower and, on the jit tier, emit machine code) by the wall '
                 'clock and by the thread\'s CPU clock. Liftoff: `bench/node_compile.mjs`, timing `new '
                 'WebAssembly.Module(bytes)` under `node %s` (eager, Liftoff only, no background compilation '
                 'tasks), by the wall clock and by the process\'s CPU time. On a busy machine the CPU-time '
                 'column is the steadier one.' %
                 (os.path.basename(compile_res['module']), compile_res['code_bytes'], args.compile_rounds,
                  ' '.join(NODE_COMPILE_FLAGS)))
        L.append('')
        L.append('| compiler | MB/s (wall clock) | MB/s (CPU time) | × Liftoff (wall / CPU) |')
        L.append('| --- | ---: | ---: | ---: |')
        lift = ce.get('liftoff', {})
        names = {'tern-jit': 'tern jit', 'tern-interp': 'tern interp (no machine code)', 'liftoff': 'Liftoff',
                 'base-jit': 'baseline tern jit', 'base-interp': 'baseline tern interp'}
        for key in ('tern-jit', 'liftoff', 'tern-interp', 'base-jit', 'base-interp'):
            if key in ce:
                vs = '—'
                if lift:
                    vs = '%s / %s' % (fmt_ratio(ce[key]['mb_s'] / lift['mb_s']),
                                      fmt_ratio(ce[key]['mb_s_cpu'] / lift['mb_s_cpu']))
                L.append('| %s | %.1f | %.1f | %s |' % (names[key], ce[key]['mb_s'], ce[key]['mb_s_cpu'], vs))
        L.append('')
    goals = []
    g_jit = geo.get('tern-jit', {}).get('vs_liftoff')
    if g_jit:
        goals.append('tern jit geomean time / Liftoff: **%.2f** (goal: at most 0.80): %s' %
                     (g_jit, 'met' if g_jit <= 0.8 else 'not met'))
    if compile_res and 'tern-jit' in compile_res['engines'] and 'liftoff' in compile_res['engines']:
        r = compile_res['engines']['tern-jit']['mb_s'] / compile_res['engines']['liftoff']['mb_s']
        rc = compile_res['engines']['tern-jit']['mb_s_cpu'] / compile_res['engines']['liftoff']['mb_s_cpu']
        verdict = 'met' if min(r, rc) >= 1 else 'not met' if max(r, rc) < 1 else 'unclear (the two clocks disagree)'
        goals.append('compile throughput tern jit / Liftoff: **%.2f** by wall clock, **%.2f** by CPU time (goal: '
                     'at least 1): %s' % (r, rc, verdict))
    if 'wabt' in geo and geo['wabt']['wall'] and geo.get('tern-interp', {}).get('wall'):
        r = geo['wabt']['vs_liftoff'] / geo['tern-interp']['vs_liftoff'] if geo['wabt']['vs_liftoff'] else None
        if r:
            goals.append('wabt interpreter geomean / tern interp: **%.1f×** (goal: at least 10×): %s' %
                         (r, 'met' if r >= 10 else 'not met'))
    else:
        goals.append('tern interp against wabt\'s interpreter: not measured here (that needs a wasm-interp built '
                     'with WASI support: WABT_INTERP=/path/to/wasm-interp); `bench/wabt_compare.py` measures it on '
                     'import-free builds of the kernels: [wabt.md](wabt.md)')
    for tier in ('jit', 'interp'):
        now, base = geo.get('tern-' + tier, {}).get('vs_liftoff'), geo.get('base-' + tier, {}).get('vs_liftoff')
        if now and base:
            goals.append('tern %s against the baseline revision (--baseline), geomean time / Liftoff: **%.3f** now, '
                         '**%.3f** before (%+.1f%%)' % (tier, now, base, (now / base - 1) * 100))
    if args.quick:
        goals.append('(a --quick run: small sizes, so start-up dominates; these numbers do not judge the goals)')
    if goals and (kernels or compile_res):
        L.append('## Goals of issue 3')
        L.append('')
        for g in goals:
            L.append('- ' + g)
        L.append('')
    if have_lift and kernels:
        L.append('![Run time relative to Liftoff](latest.svg)')
        L.append('')
    return '\n'.join(L)


README_START = '<!-- bench/run.py writes from here -->'
README_END = '<!-- bench/run.py writes up to here -->'


def readme_snippet(info, args, kernels, engines, table, geo, problems, compile_res, progs=None):
    """The part of README.md's Performance section that each run replaces."""
    legend, rows = run_table(args, kernels, engines, table, geo)
    if not kernels:
        rows = []
        if progs and not progs.get('skipped'):
            legend = programs_table(args, engines, progs)[0]
    L = [README_START, '']
    L.append('Latest run: %s on %s (%s cores, load average %.0f from other jobs), %s, node %s. '
             'Each cell: %s of %d interleaved rounds of whole-process wall-clock time; lower is faster.' %
             (info['date'], info['cpu'], info['cores'], info['load_start'], info['tern'],
              info.get('node', 'not found'), legend, args.rounds))
    L.append('')
    if problems:
        L.append('**%d run(s) failed or printed a wrong checksum or output**, see the full report.' %
                 len(problems))
        L.append('')
    if rows:
        L.extend(rows)
        L.append('')
    if progs and progs.get('skipped'):
        L.append('Real programs: not run (%s).' % progs['skipped'])
        L.append('')
    elif progs:
        L.append('Real programs (the `programs` test suite\'s: %s, built for wasm32-wasi and optimised by `%s`); '
                 'each cell: the sum over the program\'s steps, one process each, in the same format:' %
                 (', '.join(progs['programs']), progs.get('optimised_by', 'wasm-opt -O2')))
        L.append('')
        L.extend(programs_table(args, engines, progs)[1])
        L.append('')
    if compile_res and 'tern-jit' in compile_res['engines'] and 'liftoff' in compile_res['engines']:
        j, l = compile_res['engines']['tern-jit'], compile_res['engines']['liftoff']
        L.append('Compile throughput on `%s` (%d-byte code section, one thread): tern jit %.1f MB/s, Liftoff '
                 '%.1f MB/s by the wall clock (%.2f×); %.1f and %.1f MB/s by CPU time (%.2f×).' %
                 (os.path.basename(compile_res['module']), compile_res['code_bytes'], j['mb_s'], l['mb_s'],
                  j['mb_s'] / l['mb_s'], j['mb_s_cpu'], l['mb_s_cpu'], j['mb_s_cpu'] / l['mb_s_cpu']))
        L.append('')
    L.append('The full report, with start-up times and the chart: '
             '[bench/results/latest.md](bench/results/latest.md).')
    L.append('')
    L.append(README_END)
    return '\n'.join(L)


def update_readme(path, snippet):
    with open(path) as f:
        text = f.read()
    a, b = text.find(README_START), text.find(README_END)
    if a < 0 or b < a:
        print('note: %s has no %r ... %r markers; not updated' % (path, README_START, README_END), file=sys.stderr)
        return False
    with open(path, 'w') as f:
        f.write(text[:a] + snippet + text[b + len(README_END):])
    return True


def load_results(path):
    """Everything the reports need, read back from a latest.json."""
    with open(path) as f:
        raw = json.load(f)
    engines = [Engine(k, v['label'], None, v['note']) for k, v in raw['engines'].items()]
    kernels = list(raw['kernels'])
    table = {(k, e): cell for k, cells in raw['medians'].items() for e, cell in cells.items()}
    args = argparse.Namespace(rounds=raw['rounds'], kernel_args={k: v['arg'] for k, v in raw['kernels'].items()},
                              quick=raw.get('quick', False))
    compile_res = raw.get('compile')
    args.compile_rounds = raw.get('compile_rounds') or (
        max(len(v['samples']) for v in compile_res['engines'].values()) if compile_res and compile_res['engines']
        else 0)
    return (raw['info'], args, kernels, engines, table, raw['geomeans'], raw['problems'], raw['startup'],
            compile_res, raw.get('programs'))


def esc(s):
    return s.replace('&', '&amp;').replace('<', '&lt;').replace('>', '&gt;').replace('"', '&quot;')


def svg_chart(info, kernels, engines, table, geo):
    """Horizontal bars of time relative to Liftoff (log scale), one group per kernel."""
    bars = [e for e in engines if e.key != 'liftoff']
    rows = [(k, {e.key: table[k, e.key]['vs_liftoff'] for e in bars}) for k in kernels]
    rows.append(('geomean', {e.key: geo[e.key]['vs_liftoff'] for e in bars}))
    values = [v for _, r in rows for v in r.values() if v]
    if not values:
        return None
    ticks = [m * 10 ** p for p in range(-3, 4) for m in (1, 2, 5)]
    lo = max(t for t in ticks if t <= min(min(values), 1) / 1.15)
    hi = min(t for t in ticks if t >= max(max(values), 1) * 1.15)
    left, plot_w, right = 120, 620, 70
    bar_h, bar_gap, group_gap = 11, 2, 12
    top = 86
    group_h = len(bars) * (bar_h + bar_gap) - bar_gap
    height = top + len(rows) * (group_h + group_gap) + 14 + 40
    width = left + plot_w + right

    def x(v):
        return left + (math.log(v) - math.log(lo)) / (math.log(hi) - math.log(lo)) * plot_w

    out = []
    out.append('<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" '
               'font-family="Helvetica, Arial, sans-serif" font-size="11">' % (width, height, width, height))
    out.append('<rect width="100%" height="100%" fill="#ffffff"/>')
    out.append('<text x="%d" y="20" font-size="14" font-weight="bold">Run time relative to V8 Liftoff '
               '(node --liftoff-only), log scale: left of 1 is faster</text>' % left)
    out.append('<text x="%d" y="36" fill="#555">median whole-process wall time, %s, %s</text>' %
               (left, esc(info['date']), esc(info['cpu'])))
    lx = left
    for e in bars:
        out.append('<rect x="%d" y="46" width="11" height="11" fill="%s"/>' % (lx, COLORS.get(e.key, '#999')))
        out.append('<text x="%d" y="56">%s</text>' % (lx + 15, esc(e.label)))
        lx += 22 + 7 * len(e.label)
    plot_top = top - 8
    plot_bottom = height - 40
    for t in ticks:
        if lo <= t <= hi:
            tx = x(t)
            out.append('<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="%s" stroke-width="%s"/>' %
                       (tx, plot_top, tx, plot_bottom, '#333' if t == 1 else '#ddd', '1.5' if t == 1 else '1'))
            label = ('%g' % t) + '×'
            out.append('<text x="%.1f" y="%d" text-anchor="middle" fill="#555">%s</text>' %
                       (tx, plot_bottom + 14, label))
            out.append('<text x="%.1f" y="%d" text-anchor="middle" fill="%s">%s</text>' %
                       (tx, plot_top - 4, '#000' if t == 1 else '#555', 'Liftoff' if t == 1 else label))
    y = top
    for name, vals in rows:
        if name == 'geomean':
            out.append('<line x1="10" y1="%d" x2="%d" y2="%d" stroke="#999"/>' %
                       (y - group_gap / 2, width - 10, y - group_gap / 2))
        out.append('<text x="%d" y="%.1f" text-anchor="end" font-weight="%s">%s</text>' %
                   (left - 8, y + group_h / 2 + 4, 'bold' if name == 'geomean' else 'normal', esc(name)))
        for e in bars:
            v = vals.get(e.key)
            if v:
                x0, x1 = sorted((x(1), x(v)))
                out.append('<rect x="%.1f" y="%d" width="%.1f" height="%d" fill="%s"><title>%s %s: %.3f× '
                           'Liftoff</title></rect>' % (x0, y, max(x1 - x0, 1), bar_h, COLORS.get(e.key, '#999'),
                                                       esc(name), esc(e.label), v))
                tx = x(v) + 4 if v >= 1 else x(v) - 4
                out.append('<text x="%.1f" y="%d" font-size="9" text-anchor="%s" fill="#333">%s</text>' %
                           (tx, y + bar_h - 2, 'start' if v >= 1 else 'end', fmt_ratio(v)))
            y += bar_h + bar_gap
        y += group_gap - bar_gap
    out.append('</svg>')
    return '\n'.join(out) + '\n'


def write_reports(out, info, args, kernels, engines, table, geo, problems, startup, compile_res, progs=None,
                  raw=None):
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, 'latest.md'), 'w') as f:
        f.write(markdown(info, args, kernels, engines, table, geo, problems, startup, compile_res, progs))
    svg = svg_chart(info, kernels, engines, table, geo)
    if svg:
        with open(os.path.join(out, 'latest.svg'), 'w') as f:
            f.write(svg)
    if raw is not None:
        with open(os.path.join(out, 'latest.json'), 'w') as f:
            json.dump(raw, f, indent=1)
            f.write('\n')
    print('wrote %s/latest.{md,svg%s}' % (os.path.relpath(out), ',json' if raw is not None else ''))


# ---------------------------------------------------------------------------

def measure_kernel(k, e, args, expected):
    """One timed run of kernel k on engine e: (wall, cpu, None) or (None, None, (FAIL or MISMATCH, message))."""
    r = run_once(e.command(k, args.kernel_args[k]), args.timeout)
    if r.timed_out:
        return None, None, ('FAIL', '%s on %s: timed out after %g s' % (k, e.key, args.timeout))
    if r.status != 0:
        how = 'killed by signal %d' % -r.status if r.status < 0 else 'exit status %d' % r.status
        return None, None, ('FAIL', '%s on %s: %s; stdout: %s; stderr: %s' % (k, e.key, how, r.out[:300],
                                                                              r.err[:600]))
    ref = expected.setdefault(k, (e.key, r.out))
    if r.out != ref[1]:
        return None, None, ('MISMATCH', '%s on %s printed %r, %s printed %r' % (k, e.key, r.out, ref[0], ref[1]))
    return r.wall, r.cpu, None


def run_rounds(args, engines, items, problems):
    """Every round runs each item (name, kind of output, its cells by engine,
    measure(engine, round)) once on every engine, the engines in an order
    rotated from item to item and round to round. A failed cell is not run
    again; its failure goes to `problems`, loudly."""
    for rnd in range(args.rounds):
        for i, (name, kind, cells, measure) in enumerate(items):
            shift = (rnd + i) % len(engines)
            order = engines[shift:] + engines[:shift]
            line = []
            for e in order:
                cell = cells[e.key]
                if not cell['ok']:
                    continue  # failed once: not run again
                wall, cpu, failure = measure(e, rnd)
                if failure:
                    what, msg = failure
                    cell['ok'] = False
                    cell['status'] = what
                    if what == 'MISMATCH':
                        loud('%s MISMATCH: %s' % (kind, msg))
                        problems.append('%s MISMATCH: %s' % (kind, msg))
                    else:
                        loud('FAILURE: ' + msg)
                        problems.append('FAILED: ' + msg)
                    line.append('%s %s' % (e.key, what))
                    continue
                cell['wall'].append(wall)
                cell['cpu'].append(cpu)
                line.append('%s %.3f' % (e.key, wall))
            print('round %d/%d  %-10s %s' % (rnd + 1, args.rounds, name, '  '.join(line)), flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    ap.add_argument('--build', default='build', help='meson build directory (default: build)')
    ap.add_argument('--rounds', type=int, help='rounds of runs (default 5, --quick 1)')
    ap.add_argument('--quick', action='store_true', help='smoke check: small sizes, one round, writes nothing')
    ap.add_argument('--kernels', help='comma-separated kernels (default: all)')
    ap.add_argument('--engines', help='comma-separated engines (default: all found)')
    ap.add_argument('--arg', action='append', default=[], metavar='KERNEL=ARG', help='override a kernel\'s argument')
    ap.add_argument('--timeout', type=float, default=300,
                    help='seconds before a kernel run, or all the steps of a real program, is killed (default 300)')
    ap.add_argument('--programs', nargs='?', const='', metavar='A,B',
                    help='run the real programs (default: when tests/programs has cached builds), or only those '
                         'named')
    ap.add_argument('--no-programs', action='store_true', help='skip the real programs')
    ap.add_argument('--only-programs', action='store_true',
                    help='run only the real programs (no kernels, no compile throughput)')
    ap.add_argument('--programs-cache', metavar='DIR',
                    help='run_programs.py\'s cache (default: its own default, $TERN_PROGRAMS_CACHE or '
                         '~/.cache/tern-programs)')
    ap.add_argument('--compile-rounds', type=int, help='runs of each compile-throughput tool (default 5)')
    ap.add_argument('--no-compile', action='store_true', help='skip the compile-throughput measurement')
    ap.add_argument('--no-build', action='store_true', help='do not run ninja first')
    ap.add_argument('--baseline', metavar='DIR',
                    help='a build directory of another Tern revision: adds its tern (base-jit, base-interp) and '
                         'compile_bench to the same run, on this build\'s modules, for before/after figures')
    ap.add_argument('--no-write', action='store_true', help='print only; write nothing to --out')
    ap.add_argument('--write', action='store_true', help='write the results even with --quick')
    ap.add_argument('--out', default=os.path.join(BENCH, 'results'), help='directory for latest.{md,svg,json}')
    ap.add_argument('--update-readme', action='store_true',
                    help='also replace the results in README.md\'s Performance section (between its markers)')
    ap.add_argument('--rerender', action='store_true',
                    help='run nothing: rewrite the reports (and README with --update-readme) from OUT/latest.json')
    args = ap.parse_args()
    if args.rerender:
        report = load_results(os.path.join(args.out, 'latest.json'))
        write_reports(args.out, *report)
        if args.update_readme:
            update_readme(os.path.join(ROOT, 'README.md'), readme_snippet(*report[:7], *report[8:]))
        print(markdown(*report))
        return 0

    build = os.path.abspath(args.build)
    if args.rounds is None:
        args.rounds = 1 if args.quick else 5
    if args.compile_rounds is None:
        args.compile_rounds = 1 if args.quick else 5
    if args.quick and not args.write:
        args.no_write = True
    if args.no_programs and (args.only_programs or args.programs is not None):
        ap.error('--no-programs contradicts --programs and --only-programs')
    if args.only_programs:
        if args.kernels:
            ap.error('--only-programs runs no kernels: drop --kernels')
        args.no_compile = True
    kernels = [] if args.only_programs else list(KERNELS) if not args.kernels else args.kernels.split(',')
    for k in kernels:
        if k not in KERNELS:
            ap.error('unknown kernel %r (known: %s)' % (k, ', '.join(KERNELS)))
    args.kernel_args = {k: KERNELS[k][1 if args.quick else 0] for k in KERNELS}
    for a in args.arg:
        k, _, v = a.partition('=')
        if k not in KERNELS or not v:
            ap.error('--arg wants KERNEL=ARG, not %r' % a)
        args.kernel_args[k] = v

    if not args.no_build:
        if subprocess.run(['ninja', '-C', build], stdout=subprocess.DEVNULL).returncode != 0:
            print('error: ninja -C %s failed' % build, file=sys.stderr)
            return 2
    requested = args.engines.split(',') if args.engines else None
    baseline = os.path.abspath(args.baseline) if args.baseline else None
    engines, missing = make_engines(build, requested, kernels, baseline)
    if requested:
        unknown = set(requested) - {e.key for e in engines}
        if unknown:
            ap.error('engine(s) not available: %s (available: %s)' %
                     (', '.join(sorted(unknown)), ', '.join(e.key for e in engines)))
        engines = [e for e in engines if e.key in requested]
    for m in missing:
        print('note: no %s; its column is left out' % m, file=sys.stderr)
    for k in kernels:
        if not os.path.exists(os.path.join(build, 'bench', k + '.wasm')):
            print('error: %s missing; build with ninja -C %s' % (os.path.join(build, 'bench', k + '.wasm'), build),
                  file=sys.stderr)
            return 2
    node = find_tool('NODE', ['node', 'nodejs'])
    info = host_info(build, node)
    info['command'] = ' '.join(['python3', 'bench/run.py'] + sys.argv[1:])

    problems = []

    # The real programs: their cached builds, inputs and native reference outputs.
    real = None      # RealPrograms
    progs_raw = None  # the programs part of the report and of latest.json
    if not args.no_programs:
        names = [n for n in (args.programs or '').split(',') if n] or None
        try:
            real, skipped, notes, found_problems = find_programs(names, args.programs_cache, args.timeout)
        except ValueError as e:
            ap.error('--programs: %s' % e)
        if skipped:
            print('note: real programs not run: ' + skipped, file=sys.stderr, flush=True)
            progs_raw = {'skipped': skipped}
        for n in notes:
            print('note: ' + n, file=sys.stderr, flush=True)
        for p in found_problems:
            loud('FAILURE: ' + p)
            problems.append(p)
    if not kernels and not real:
        print('nothing to run' + (': no kernels, and no real programs' if args.only_programs else ''))
        if problems:
            return 1
        return 0

    print('engines: ' + ', '.join(e.key for e in engines))
    if kernels:
        print('kernels: ' + ', '.join('%s %s' % (k, args.kernel_args[k]) for k in kernels))
    if real:
        print('programs (%s modules, each measurement all of a program\'s steps): %s' %
              (PROGRAM_VARIANT, ', '.join('%s %d steps' % (p.name, len(p.steps)) for p in real.progs)))
    print('%d rounds; times are whole-process wall-clock medians (start-up and compilation included, '
          'for every engine alike)' % args.rounds, flush=True)

    # Start-up, also a warm-up of every engine's files; a peer that cannot
    # run a WASI command at all is dropped here.
    startup = {}
    fib_built = lambda e: os.path.exists(os.path.join(build, 'bench', 'fib.wasm')) and (
        e.key != 'native' or os.path.exists(os.path.join(build, 'bench', 'fib.native')))
    for e in [e for e in engines if fib_built(e)]:
        samples = []
        for _ in range(STARTUP_SAMPLES):
            r = run_once(e.command('fib', '1'), args.timeout)
            if r.status != 0 or r.out != 'fib(1) = 1':
                break
            samples.append(r.wall)
        if len(samples) < STARTUP_SAMPLES:
            msg = '%s cannot run fib.wasm 1 (status %s): %s %s' % (e.key, r.status, r.out[:200], r.err[:300])
            if e.key in ('tern-jit', 'tern-interp', 'liftoff', 'v8', 'native'):
                loud('FAILURE: ' + msg)
                problems.append(msg)
            else:
                print('note: dropping peer ' + msg, file=sys.stderr)
                engines.remove(e)
            continue
        startup[e.key] = {'median': statistics.median(samples), 'samples': samples}

    def fresh(names):
        return {n: {e.key: {'wall': [], 'cpu': [], 'ok': True, 'status': None} for e in engines} for n in names}

    results = fresh(kernels)
    prog_results = fresh(real.names() if real else [])
    # Reference outputs: the native build's, from one untimed run each; without
    # a native build, the first output seen. (The real programs' references
    # are their native builds' outputs, see RealPrograms.)
    expected = {}
    native = next((e for e in engines if e.key == 'native'), None)
    if native:
        for k in kernels:
            r = run_once(native.command(k, args.kernel_args[k]), args.timeout)
            if r.status == 0 and not r.timed_out:
                expected[k] = ('native', r.out)
    # Every round: each kernel, then each real program, on every engine in a rotated order.
    items = [(k, 'CHECKSUM', results[k], lambda e, rnd, k=k: measure_kernel(k, e, args, expected))
             for k in kernels]
    if real:
        items += [(p.name, 'OUTPUT', prog_results[p.name], lambda e, rnd, p=p: real.measure(p, e, 'r%d' % rnd))
                  for p in real.progs]
    t_start = time.time()
    try:
        run_rounds(args, engines, items, problems)
    finally:
        kept = real.cleanup() if real else None
    if kept:
        print('the failed real-program runs are kept in %s' % kept, file=sys.stderr)
    print('runs took %.0f s' % (time.time() - t_start))

    compile_res = None
    if not args.no_compile:
        print('compile throughput (%d rounds):' % args.compile_rounds, flush=True)
        compile_res = compile_throughput(build, node if any(e.key == 'liftoff' for e in engines) else None,
                                         args.compile_rounds, 20 if args.quick else 0, baseline)
    info['load_end'] = os.getloadavg()[0]

    table, geo = summarize(kernels, engines, results, startup)
    for k in kernels:
        for e in engines:
            table[k, e.key]['status'] = results[k][e.key]['status']
    if real:
        names = real.names()
        p_table, p_geo = summarize(names, engines, prog_results, startup,
                                   {p.name: len(p.steps) for p in real.progs})
        progs_raw = real.describe(engines)
        progs_raw['left_out'] = real.left_out
        for n in names:
            for e in engines:
                p_table[n, e.key]['status'] = prog_results[n][e.key]['status']
        progs_raw['samples'] = {n: {e: {'wall': v['wall'], 'cpu': v['cpu'], 'status': v['status']}
                                    for e, v in prog_results[n].items()} for n in names}
        progs_raw['medians'] = {n: {e.key: p_table[n, e.key] for e in engines} for n in names}
        progs_raw['geomeans'] = p_geo
    report = (info, args, kernels, engines, table, geo, problems, startup, compile_res, progs_raw)
    print()
    print(markdown(*report))
    if not args.no_write:
        raw = {
            'info': info,
            'rounds': args.rounds,
            'compile_rounds': args.compile_rounds,
            'quick': args.quick,
            'kernels': {k: {'arg': args.kernel_args[k], 'what': KERNELS[k][2],
                            'expected_output': expected.get(k, (None, None))[1]} for k in kernels},
            'engines': {e.key: {'label': e.label, 'command': e.command('KERNEL', 'ARG'), 'note': e.note}
                        for e in engines},
            'samples': {k: {e: {'wall': v['wall'], 'cpu': v['cpu'], 'status': v['status']}
                            for e, v in results[k].items()} for k in kernels},
            'medians': {k: {e.key: table[k, e.key] for e in engines} for k in kernels},
            'geomeans': geo,
            'startup': startup,
            'compile': compile_res,
            'problems': problems,
            'programs': progs_raw,
        }
        write_reports(args.out, *report, raw=raw)
        if args.update_readme:
            if update_readme(os.path.join(ROOT, 'README.md'), readme_snippet(*report[:7], *report[8:])):
                print('updated the results in README.md')
    if problems:
        loud('%d PROBLEM(S): %s' % (len(problems), '\n'.join(problems)))
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
