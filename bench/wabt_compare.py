#!/usr/bin/env python3
"""Tern's interpreter against wabt's interpreter (wasm-interp), interleaved.

    python3 bench/wabt_compare.py [--build DIR] [--rounds N] [--kernels a,b]
                                  [--arg KERNEL=N]... [--quick] [--no-write]

wabt's wasm-interp, as Debian ships it, has no WASI: it cannot run the
kernels' wasm32-wasi commands (bench/run.py). It runs exported functions of a
module without imports, and only those without parameters
(`wasm-interp FILE --run-all-exports`). So this script uses
DIR/bench/NAME.exports.wasm, the same kernel source built with
-DKERNEL_EXPORTS (see bench/kernels/kernel.h): no imports, and an export
bench_main() that runs the kernel with the size stored after the tag
"kernel-arg:" in the module's data and returns the FNV-1a hash of the line
the kernel prints. For each kernel and size the script writes a copy of the
module with that size patched in, and runs on it

    wasm-interp COPY.wasm --run-all-exports           (prints bench_main() => i32:H)
    tern run --tier=interp --invoke bench_main COPY.wasm    (prints H, signed)

Both must print the same hash, and it must be the hash of the line the
native build (DIR/bench/NAME.native N) prints; a difference, a failure or a
timeout is reported loudly and the command exits 1.

Each round runs every kernel once on both, the order alternating from run to
run; each time is the median over the rounds (5 by default) of the whole
process's wall-clock time, start-up and compilation included, as in
bench/run.py. The sizes make wasm-interp take about 1 to 5 s. It prints the
per-kernel times and ratios (wabt time / tern time) and their geometric
mean, and writes bench/results/wabt.md (not with --no-write or --quick).
WABT_INTERP names another wasm-interp (default: wasm-interp on PATH).
"""

import argparse
import os
import re
import statistics
import struct
import subprocess
import sys
import tempfile
import time

BENCH = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(BENCH)
sys.path.insert(0, BENCH)
import run as benchrun  # noqa: E402  (bench/run.py: run_once, host_info, ...)
from runlib import common as benchcommon, report as benchreport  # noqa: E402  (geomean; fmt_time, fmt_ratio)

# name -> (size, --quick size), from bench/kernels/kernels.txt; sizes chosen so
# that wasm-interp takes 1-5 s on a 2020s x86-64 core.
KERNELS = {k: (c[2], c[3]) for k, c in benchrun.read_kernels().items()}

ARG_TAG = b'kernel-arg:\0'
STARTUP_SAMPLES = 5


def fnv1a(data):
    h = 2166136261
    for c in data:
        h = ((h ^ c) * 16777619) & 0xffffffff
    return h


def import_count(path):
    """Number of entries in the module's import section (0 if it has none)."""
    with open(path, 'rb') as f:
        b = f.read()

    def leb(pos):
        v = shift = 0
        while True:
            byte = b[pos]
            pos += 1
            v |= (byte & 0x7f) << shift
            shift += 7
            if not byte & 0x80:
                return v, pos

    pos = 8
    while pos < len(b):
        sid = b[pos]
        size, body = leb(pos + 1)
        if sid == 2:
            return leb(body)[0]
        pos = body + size
    return 0


def patched_module(src, arg, out_dir):
    """A copy of src whose kernel-arg word is `arg`."""
    with open(src, 'rb') as f:
        b = f.read()
    if b.count(ARG_TAG) != 1:
        raise SystemExit('error: %s: the tag %r occurs %d times, not once' % (src, ARG_TAG, b.count(ARG_TAG)))
    at = b.index(ARG_TAG) + len(ARG_TAG)
    out = os.path.join(out_dir, '%s-%s.wasm' % (os.path.basename(src)[:-len('.exports.wasm')], arg))
    with open(out, 'wb') as f:
        f.write(b[:at] + struct.pack('<I', int(arg)) + b[at + 4:])
    return out


def parse_result(engine, out):
    """The i32 the run printed, as an unsigned 32-bit value, or None."""
    if engine == 'wabt':
        m = re.fullmatch(r'bench_main\(\) => i32:(\d+)', out)
    else:
        m = re.fullmatch(r'(-?\d+)', out)
    return int(m.group(1)) & 0xffffffff if m else None


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    ap.add_argument('--build', default='build', help='meson build directory (default: build)')
    ap.add_argument('--rounds', type=int, help='rounds (default 5, --quick 1)')
    ap.add_argument('--kernels', help='comma-separated kernels (default: all)')
    ap.add_argument('--arg', action='append', default=[], metavar='KERNEL=N', help='override a kernel\'s size')
    ap.add_argument('--quick', action='store_true', help='smoke check: small sizes, one round, writes nothing')
    ap.add_argument('--timeout', type=float, default=120, help='seconds before a run is killed (default 120)')
    ap.add_argument('--no-build', action='store_true', help='do not run ninja first')
    ap.add_argument('--no-write', action='store_true', help='print only')
    ap.add_argument('--out', default=os.path.join(BENCH, 'results'), help='directory for wabt.md')
    args = ap.parse_args()
    build = os.path.abspath(args.build)
    rounds = args.rounds or (1 if args.quick else 5)
    kernels = args.kernels.split(',') if args.kernels else list(KERNELS)
    for k in kernels:
        if k not in KERNELS:
            ap.error('unknown kernel %r (known: %s)' % (k, ', '.join(KERNELS)))
    sizes = {k: KERNELS[k][1 if args.quick else 0] for k in KERNELS}
    for a in args.arg:
        k, _, v = a.partition('=')
        if k not in KERNELS or not v.isdigit():
            ap.error('--arg wants KERNEL=N, not %r' % a)
        sizes[k] = v

    wabt = benchrun.find_tool('WABT_INTERP', ['wasm-interp'])
    if not wabt:
        print('error: no wasm-interp (install wabt, or set WABT_INTERP)', file=sys.stderr)
        return 2
    tern = os.path.join(build, 'tern')
    targets = ['tern', 'bench/fib.exports.wasm'] + ['bench/%s.exports.wasm' % k for k in kernels] + ['bench/%s.native' % k for k in kernels]
    if not args.no_build:
        if subprocess.run(['ninja', '-C', build] + targets, stdout=subprocess.DEVNULL).returncode != 0:
            print('error: ninja -C %s %s failed' % (build, ' '.join(targets)), file=sys.stderr)
            return 2
    modules = {k: os.path.join(build, 'bench', k + '.exports.wasm') for k in kernels}
    for k, path in modules.items():
        if not os.path.exists(path):
            print('error: %s missing; build with ninja -C %s' % (path, build), file=sys.stderr)
            return 2
        if import_count(path):
            print('error: %s has imports; wasm-interp cannot instantiate it' % path, file=sys.stderr)
            return 2

    engines = {
        'wabt': lambda m: [wabt, m, '--run-all-exports'],
        'tern': lambda m: [tern, 'run', '--tier=interp', '--invoke', 'bench_main', m],
    }
    info = benchrun.host_info(build, None)
    info['wabt'] = benchrun.capture([wabt, '--version'])
    info['command'] = ' '.join(['python3', 'bench/wabt_compare.py'] + sys.argv[1:])
    print('wasm-interp %s (%s) against %s --tier=interp' % (info['wabt'], wabt, info['tern']))
    print('kernels: ' + ', '.join('%s %s' % (k, sizes[k]) for k in kernels))
    print('%d rounds; times are whole-process wall-clock medians' % rounds, flush=True)

    problems = []
    tmp = tempfile.TemporaryDirectory(prefix='tern-wabt-')
    copies = {k: patched_module(modules[k], sizes[k], tmp.name) for k in kernels}

    # The expected hash: that of the line the native build prints.
    expected = {}
    for k in kernels:
        native = os.path.join(build, 'bench', k + '.native')
        if os.access(native, os.X_OK):
            r = benchrun.run_once([native, sizes[k]], args.timeout)
            if r.status == 0:
                expected[k] = ('native', fnv1a(r.out.encode()))

    # Start-up: each engine on fib 1 (load, compile, one tiny call, exit).
    startup = {}
    fib1 = patched_module(os.path.join(build, 'bench', 'fib.exports.wasm'), '1', tmp.name)
    for e, cmd in engines.items():
        samples = []
        for _ in range(STARTUP_SAMPLES):
            r = benchrun.run_once(cmd(fib1), args.timeout)
            if r.status == 0 and parse_result(e, r.out) == fnv1a(b'fib(1) = 1'):
                samples.append(r.wall)
        if samples:
            startup[e] = statistics.median(samples)
        else:
            problems.append('%s cannot run fib 1: status %s, stdout %r, stderr %r' % (e, r.status, r.out, r.err))
            benchrun.loud('FAILURE: ' + problems[-1])

    samples = {k: {e: {'wall': [], 'cpu': []} for e in engines} for k in kernels}
    failed = set()
    t0 = time.time()
    for rnd in range(rounds):
        for ki, k in enumerate(kernels):
            order = list(engines) if (rnd + ki) % 2 == 0 else list(reversed(engines))
            line = []
            for e in order:
                if (k, e) in failed:
                    continue
                r = benchrun.run_once(engines[e](copies[k]), args.timeout)
                got = parse_result(e, r.out) if r.status == 0 and not r.timed_out else None
                msg = None
                if r.timed_out:
                    msg = '%s on %s: timed out after %g s' % (k, e, args.timeout)
                elif got is None:
                    msg = '%s on %s: status %d, stdout %r, stderr %r' % (k, e, r.status, r.out[:200], r.err[:400])
                else:
                    ref = expected.setdefault(k, (e, got))
                    if got != ref[1]:
                        msg = '%s on %s returned %08x, %s gave %08x' % (k, e, got, ref[0], ref[1])
                if msg:
                    failed.add((k, e))
                    problems.append(msg)
                    benchrun.loud('FAILURE: ' + msg)
                    line.append('%s FAIL' % e)
                    continue
                samples[k][e]['wall'].append(r.wall)
                samples[k][e]['cpu'].append(r.cpu)
                line.append('%s %.3f' % (e, r.wall))
            print('round %d/%d  %-10s %s' % (rnd + 1, rounds, k, '  '.join(line)), flush=True)
    print('runs took %.0f s' % (time.time() - t0))
    info['load_end'] = os.getloadavg()[0]
    tmp.cleanup()

    rows = []
    for k in kernels:
        med = {}
        for e in engines:
            s = samples[k][e]
            ok = (k, e) not in failed and s['wall']
            med[e] = (statistics.median(s['wall']), statistics.median(s['cpu'])) if ok else (None, None)
        (ww, wc), (tw, tc) = med['wabt'], med['tern']
        net = None
        if ww and tw and 'wabt' in startup and 'tern' in startup and tw > startup['tern']:
            net = (ww - startup['wabt']) / (tw - startup['tern'])
        rows.append({'kernel': k, 'size': sizes[k], 'wabt': ww, 'tern': tw, 'ratio': ww / tw if ww and tw else None,
                     'cpu_ratio': wc / tc if wc and tc else None, 'net_ratio': net})
    geo = {key: benchcommon.geomean([r[key] for r in rows]) for key in ('wabt', 'tern', 'ratio', 'cpu_ratio', 'net_ratio')}
    report = markdown(info, rounds, args.quick, rows, geo, startup, problems, wabt)
    print()
    print(report)
    if not (args.no_write or args.quick):
        os.makedirs(args.out, exist_ok=True)
        path = os.path.join(args.out, 'wabt.md')
        with open(path, 'w') as f:
            f.write(report + '\n')
        print('wrote %s' % os.path.relpath(path))
    if problems:
        benchrun.loud('%d PROBLEM(S):\n%s' % (len(problems), '\n'.join(problems)))
        return 1
    return 0


def markdown(info, rounds, quick, rows, geo, startup, problems, wabt):
    f = benchreport.fmt_time
    r = benchreport.fmt_ratio
    L = ['# Tern\'s interpreter against wabt\'s', '']
    L.append('Measured %s on %s (%s cores), %s; load average %.1f at the start, %.1f at the end.  ' %
             (info['date'], info['cpu'], info['cores'], info['os'], info['load_start'], info['load_end']))
    L.append('%s; wabt `wasm-interp` %s; modules: %s, `--target=wasm32-wasi -O2 -DKERNEL_EXPORTS '
             '-nostartfiles -Wl,--no-entry`.  ' % (info['tern'], info['wabt'], info['clang']))
    L.append('Command: `%s`' % info['command'])
    L.append('')
    L.append('Both run the same import-free module, `bench/kernels/NAME.c` built with `-DKERNEL_EXPORTS` '
             '(see `bench/kernels/kernel.h`) with the size patched into its data, and call its export '
             '`bench_main`, which runs the kernel and returns the hash of the line it prints: '
             '`wasm-interp NAME.wasm --run-all-exports` and `tern run --tier=interp --invoke bench_main '
             'NAME.wasm`. Each time is the median of %d round%s of whole-process wall-clock time (start-up and '
             'compilation included), the two run alternately. Ratio: wabt time / tern time, higher means tern '
             'is faster.' % (rounds, '' if rounds == 1 else 's'))
    L.append('')
    if problems:
        L.append('**Problems:** %d run(s) failed or returned another hash; they are left out:' % len(problems))
        L.append('')
        L.extend('- ' + p.replace('\n', ' ')[:400] for p in problems)
    else:
        L.append('Every run of both returned the hash of the line the native build (`gcc -O2`) prints.')
    L.append('')
    L.append('| kernel | size | wabt wasm-interp (s) | tern interp (s) | wabt / tern | by CPU time | start-up '
             'subtracted |')
    L.append('| --- | ---: | ---: | ---: | ---: | ---: | ---: |')
    for row in rows:
        L.append('| %s | %s | %s | %s | %s | %s | %s |' % (row['kernel'], row['size'], f(row['wabt']), f(row['tern']),
                                                          r(row['ratio']), r(row['cpu_ratio']), r(row['net_ratio'])))
    L.append('| **geomean** |  | %s | %s | **%s** | %s | %s |' % (f(geo['wabt']), f(geo['tern']), r(geo['ratio']),
                                                                 r(geo['cpu_ratio']), r(geo['net_ratio'])))
    L.append('')
    if startup:
        L.append('Start-up (median of %d runs of `fib 1`): %s.' % (
            STARTUP_SAMPLES, ', '.join('%s %.1f ms' % ('wabt' if e == 'wabt' else 'tern', t * 1e3)
                                       for e, t in startup.items())))
        L.append('')
    if geo['ratio']:
        L.append('Goal of the issue: tern interp\'s geomean at least 10× faster than wabt\'s wasm-interp: '
                 '**%.1f×**, %s.%s' % (geo['ratio'], 'met' if geo['ratio'] >= 10 else 'not met',
                                      ' (a --quick run: small sizes, start-up dominates; this does not judge the '
                                      'goal)' if quick else ''))
    return '\n'.join(L)


if __name__ == '__main__':
    sys.exit(main())
