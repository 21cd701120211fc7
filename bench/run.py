#!/usr/bin/env python3
"""Run Tern's benchmark kernels and real programs on Tern and its peers, interleaved, and report.

    python3 bench/run.py [--build DIR] [--rounds N] [--quick] [--kernels a,b]
                         [--engines a,b] [--arg KERNEL=ARG]... [--no-write]
                         [--programs [A,B] | --no-programs | --only-programs]
                         [--programs-cache DIR] [--update-readme] [--rerender]
                         [--baseline DIR] [--simd]

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

--simd runs the SIMD set instead (bench/kernels/simd.txt): kernels that
auto-vectorize, built as NAME.simd.wasm with clang -O3 -msimd128 and
NAME.simd.native with gcc -O3 -march=x86-64-v2, the same rounds and tables,
no real programs and no compile throughput; it writes simd-latest.{md,svg,json}
(and --rerender --simd reads simd-latest.json).

--baseline DIR measures another Tern revision in the same run: DIR is its
meson build directory (e.g. a worktree of main built in DIR); its tern runs
this build's modules as engines base-jit and base-interp, and its
compile_bench joins the compile-throughput measurement. The figures for a
change that must not slow Tern down come from one such run.

The code: this driver (engines, kernels, compile throughput, the rounds) and
bench/runlib/: common.py (Engine, run_once, geomean), programs.py (the real
programs) and report.py (the tables, chart, JSON and README section).
"""

import argparse
import datetime
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import time

from runlib.common import NODE_COMPILE_FLAGS, Engine, run_once
from runlib.programs import PROGRAM_VARIANT, find_programs
from runlib.report import load_results, markdown, readme_snippet, summarize, update_readme, write_reports

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


def read_simd_kernels():
    """bench/kernels/simd.txt, the SIMD set: 'NAME.simd' (the module and
    native build's base name) -> (arg, --quick arg, what it stresses)."""
    kernels = {}
    with open(os.path.join(BENCH, 'kernels', 'simd.txt')) as f:
        for line in f:
            if line.strip() and not line.startswith('#'):
                cols = line.split(None, 3)
                kernels[cols[0] + '.simd'] = (cols[1], cols[2], cols[3].strip())
    return kernels

STARTUP_SAMPLES = 5  # runs of `fib 1` per engine

def find_tool(env_name, names):
    path = os.environ.get(env_name)
    if path:
        return path if os.path.exists(path) or shutil.which(path) else None
    for n in names:
        found = shutil.which(n)
        if found:
            return found
    return None


def make_engines(build, requested, kernels=KERNELS, baseline=None, native_note='`gcc -O2`'):
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
                              'the same C built with ' + native_note, lambda m, n: [n]))
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
    ap.add_argument('--simd', action='store_true',
                    help='run the SIMD set (kernels/simd.txt, built -O3 -msimd128; native -O3 -march=x86-64-v2) '
                         'instead of the kernels and programs; writes simd-latest.*')
    ap.add_argument('--no-write', action='store_true', help='print only; write nothing to --out')
    ap.add_argument('--write', action='store_true', help='write the results even with --quick')
    ap.add_argument('--out', default=os.path.join(BENCH, 'results'), help='directory for latest.{md,svg,json}')
    ap.add_argument('--update-readme', action='store_true',
                    help='also replace the results in README.md\'s Performance section (between its markers)')
    ap.add_argument('--rerender', action='store_true',
                    help='run nothing: rewrite the reports (and README with --update-readme) from OUT/latest.json')
    args = ap.parse_args()
    stem = 'simd-latest' if args.simd else 'latest'
    if args.simd and args.update_readme:
        ap.error('--update-readme writes the main set\'s tables; the SIMD set has its own report only')
    if args.rerender:
        report = load_results(os.path.join(args.out, stem + '.json'))
        write_reports(args.out, *report, stem=stem)
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
    known = KERNELS
    if args.simd:
        if args.only_programs or args.programs is not None:
            ap.error('--simd runs no real programs')
        args.no_programs = args.no_compile = True
        known = read_simd_kernels()
        if args.kernels:  # the set's kernels may be named with or without .simd
            args.kernels = ','.join(k if k.endswith('.simd') else k + '.simd' for k in args.kernels.split(','))
    args.known_kernels = known
    kernels = [] if args.only_programs else list(known) if not args.kernels else args.kernels.split(',')
    for k in kernels:
        if k not in known:
            ap.error('unknown kernel %r (known: %s)' % (k, ', '.join(known)))
    args.kernel_args = {k: known[k][1 if args.quick else 0] for k in known}
    for a in args.arg:
        k, _, v = a.partition('=')
        if args.simd and k in KERNELS:
            k += '.simd'
        if k not in known or not v:
            ap.error('--arg wants KERNEL=ARG, not %r' % a)
        args.kernel_args[k] = v

    if not args.no_build:
        if subprocess.run(['ninja', '-C', build], stdout=subprocess.DEVNULL).returncode != 0:
            print('error: ninja -C %s failed' % build, file=sys.stderr)
            return 2
    requested = args.engines.split(',') if args.engines else None
    baseline = os.path.abspath(args.baseline) if args.baseline else None
    engines, missing = make_engines(build, requested, kernels, baseline,
                                    '`gcc -O3 -march=x86-64-v2`' if args.simd else '`gcc -O2`')
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
            'simd': args.simd,
            'kernels': {k: {'arg': args.kernel_args[k], 'what': known[k][2],
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
        write_reports(args.out, *report, raw=raw, stem=stem)
        if args.update_readme:
            if update_readme(os.path.join(ROOT, 'README.md'), readme_snippet(*report[:7], *report[8:])):
                print('updated the results in README.md')
    if problems:
        loud('%d PROBLEM(S): %s' % (len(problems), '\n'.join(problems)))
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())

