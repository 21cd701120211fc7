#!/usr/bin/env python3
"""Start-up bench: how long Tern and its peers take to run a program that does
almost nothing, and how much memory they touch doing it.

    python3 bench/startup.py [--build DIR] [--base DIR] [--rounds N] [--engines a,b]
                             [--programs-cache DIR] [--json FILE]

Workloads:
  empty       an empty WASI C program (int main(void) { return 0; }), built
              here with clang --target=wasm32-wasi -O2
  lua -v      Lua 5.4 printing its version
  lua -e      Lua 5.4 running a one-line script
  duktape     duktape evaluating a one-line script
  mujs        mujs running a one-line script file
  sqlite      SQLite's speedtest1 printing its usage (--help)
The real programs come from tests/programs' cache (run_programs.py builds
them; default ~/.cache/tern-programs or $TERN_PROGRAMS_CACHE); a workload
whose module is not cached is left out and said so.

Engines: tern (lazy compilation, the default), tern-eager (-C lazy=n),
tern-interp (--tier=interp), tern-base (`tern run` of the build directory
--base names, another build to compare with in the same run), liftoff (node --liftoff-only, through
bench/node_run.mjs --time), and wasm3 and iwasm when found (on PATH, or named
by the environment variables WASM3 and IWASM). Each round runs every workload
on every engine, the engines in an order rotated from round to round. For
each engine the report gives the median over the rounds of the whole
process's wall-clock time, its CPU time (user + system, which a busy machine
inflates far less than the wall clock: the figure to compare there), its
peak RSS (ru_maxrss), and for node also the
time node_run.mjs measured inside V8 with performance.now() (compile,
instantiate and run: node's own start-up excluded). Peak RSS comes from GNU
time (/usr/bin/time) when it is there. Every engine's exit status and output
must match tern's (the module's path spelled alike); a difference is reported,
that engine's runs of the workload are left out, and the command exits with
status 1.

The issue's goals (15): the empty program at most wasm3's time and peak RSS;
a big module doing almost nothing at most half of node --liftoff-only's time
with lazy compilation on: tern's time minus its empty-program time against
node's time inside V8 (the ratio lines at the end, wall clock and CPU).
"""
import argparse
import glob
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from runlib.common import ROOT, Engine, run_once  # noqa: E402

ONE_LINE_JS = 'print(6 * 7)'
ONE_LINE_LUA = 'print(6 * 7)'


def find_tool(env, names):
    exe = os.environ.get(env)
    if exe:
        return exe if os.access(exe, os.X_OK) else None
    for n in names:
        p = shutil.which(n)
        if p:
            return p
    return None


def cached(cache, pattern):
    """The newest cached build of a program's module (glob under builds/)."""
    hits = sorted(glob.glob(os.path.join(cache, 'builds', pattern)), key=os.path.getmtime)
    return hits[-1] if hits else None


def workloads(work, cache):
    """(name, module, guest args) of every workload whose module is there; the
    names of those that are not."""
    empty_c = os.path.join(work, 'empty.c')
    with open(empty_c, 'w') as f:
        f.write('int main(void) { return 0; }\n')
    empty = os.path.join(work, 'empty.wasm')
    have, missing = [], []
    if subprocess.run(['clang', '--target=wasm32-wasi', '-O2', '-o', empty, empty_c]).returncode == 0:
        have.append(('empty', empty, []))
    else:
        missing.append('empty (clang cannot build wasm32-wasi)')
    with open(os.path.join(work, 'one.js'), 'w') as f:
        f.write(ONE_LINE_JS + '\n')
    progs = [
        ('lua -v', 'lua5.4_*/lua.opt.wasm', ['-v']),
        ('lua -e', 'lua5.4_*/lua.opt.wasm', ['-e', ONE_LINE_LUA]),
        ('duktape', 'duktape_*/duk.opt.wasm', ['-e', ONE_LINE_JS]),
        ('mujs', 'mujs_*/mujs.opt.wasm', ['one.js']),
        ('sqlite', 'sqlite3_*/speedtest1.opt.wasm', ['--help']),
    ]
    for name, pattern, args in progs:
        module = cached(cache, pattern)
        if module:
            have.append((name, module, args))
        else:
            missing.append('%s (%s not in %s)' % (name, pattern, cache))
    return have, missing


def engines(build, base):
    tern = os.path.join(build, 'tern')
    if not os.access(tern, os.X_OK):
        sys.exit('startup.py: no %s (build Tern first: ninja -C %s)' % (tern, build))
    out = [
        Engine('tern', 'tern', lambda m, a: [tern, 'run', '--dir', '.', m] + a, '`tern run` (lazy)'),
        Engine('tern-eager', 'tern -C lazy=n', lambda m, a: [tern, 'run', '-C', 'lazy=n', '--dir', '.', m] + a),
        Engine('tern-interp', 'tern interp', lambda m, a: [tern, 'run', '--tier=interp', '--dir', '.', m] + a),
    ]
    if base:
        old = os.path.join(base, 'tern')
        if not os.access(old, os.X_OK):
            sys.exit('startup.py: no %s (--base names a build directory)' % old)
        out.append(Engine('tern-base', 'tern (--base)', lambda m, a: [old, 'run', '--dir', '.', m] + a))
    node = find_tool('NODE', ['node'])
    if node:
        script = os.path.join(ROOT, 'bench', 'node_run.mjs')
        out.append(Engine('liftoff', 'node --liftoff-only',
                          lambda m, a: [node, '--liftoff-only', '--no-warnings', script, '--time', '--dir', '.', m] + a))
    wasm3 = find_tool('WASM3', ['wasm3'])
    if wasm3:
        out.append(Engine('wasm3', 'wasm3', lambda m, a: [wasm3, m] + a))
    iwasm = find_tool('IWASM', ['iwasm'])
    if iwasm:
        out.append(Engine('iwasm', 'iwasm', lambda m, a: [iwasm, '--dir=.', m] + a))
    return out


GNU_TIME = '/usr/bin/time'


def timed(argv):
    """argv under GNU time, which reports the peak RSS of the program alone
    (ru_maxrss of a child forked from this Python process would count the
    Python process's pages it started with)."""
    return [GNU_TIME, '-f', 'startup-rss %M'] + argv if os.access(GNU_TIME, os.X_OK) else argv


def peak_rss(res):
    """KiB: GNU time's line, taken off res.err; else the rusage figure."""
    lines = res.err.splitlines()
    if lines and lines[-1].startswith('startup-rss '):
        res.err = '\n'.join(lines[:-1])
        return int(lines[-1].split()[1])
    return res.maxrss


def same_output(res, module):
    """Exit status and stdout, the module's path (argv[0], which usage texts
    print) spelled the same for every engine."""
    return res.status, res.out.replace(module, 'MODULE').replace(os.path.basename(module), 'MODULE')


def inner_ms(err):
    """node_run.mjs --time's figure: the line 'node_run: N ms' on stderr."""
    for line in err.splitlines():
        if line.startswith('node_run: ') and line.endswith(' ms'):
            return float(line.split()[1])
    return None


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--build', default='build', help='meson build directory (default: build)')
    ap.add_argument('--base', help="another build directory, whose `tern run` is engine tern-base")
    ap.add_argument('--rounds', type=int, default=10, help='rounds of runs (default 10)')
    ap.add_argument('--engines', help='comma-separated engines (default: all found)')
    ap.add_argument('--programs-cache', default=os.environ.get('TERN_PROGRAMS_CACHE',
                                                                os.path.expanduser('~/.cache/tern-programs')),
                    help="run_programs.py's cache (default: $TERN_PROGRAMS_CACHE or ~/.cache/tern-programs)")
    ap.add_argument('--json', help='also write the medians to this file')
    opt = ap.parse_args()

    work = tempfile.mkdtemp(prefix='tern-startup-')
    loads, missing = workloads(work, opt.programs_cache)
    engs = engines(os.path.abspath(opt.build), opt.base and os.path.abspath(opt.base))
    if opt.engines:
        want = opt.engines.split(',')
        engs = [e for e in engs if e.key in want]
    for m in missing:
        print('left out: ' + m)
    runs = {}  # (workload, engine) -> [(wall, rss KiB, inner ms)]
    bad = set()  # (workload, engine) whose output differed from tern's: left out
    expected = {}
    for r in range(opt.rounds):
        order = engs[r % len(engs):] + engs[:r % len(engs)]
        for name, module, args in loads:
            for e in order:
                res = run_once(timed(e.command(module, args)), 120, cwd=work)
                rss = peak_rss(res)
                got = same_output(res, module)
                if name not in expected and e.key == 'tern':
                    expected[name] = got
                if res.timed_out or (name in expected and got != expected[name]):
                    if (name, e.key) not in bad:
                        print('MISMATCH %s on %s: status %s, stdout %r, stderr %r' %
                              (name, e.key, res.status, res.out[:120], res.err[:200]))
                    bad.add((name, e.key))
                    continue
                runs.setdefault((name, e.key), []).append((res.wall, rss, inner_ms(res.err), res.cpu))

    print('\nmedian of %d rounds: wall-clock ms [CPU ms], peak RSS MiB (node: also ms inside V8)' % opt.rounds)
    header = '%-10s' % '' + ''.join('%30s' % e.label for e in engs)
    print(header)
    table = {}
    for name, _, _ in loads:
        cells = []
        for e in engs:
            xs = runs.get((name, e.key), [])
            if not xs:
                cells.append('%30s' % 'failed')
                continue
            wall = statistics.median(x[0] for x in xs) * 1e3
            rss = statistics.median(x[1] for x in xs) / 1024
            inner = [x[2] for x in xs if x[2] is not None]
            cpu = statistics.median(x[3] for x in xs) * 1e3
            cell = {'ms': round(wall, 2), 'cpu_ms': round(cpu, 2), 'rss_mib': round(rss, 2)}
            text = '%.1f [%.1f] ms %.1f MiB' % (wall, cpu, rss)
            if inner:
                cell['inner_ms'] = round(statistics.median(inner), 2)
                text = '%.1f [%.1f] (%.1f) ms %.1f MiB' % (wall, cpu, cell['inner_ms'], rss)
            table.setdefault(name, {})[e.key] = cell
            cells.append('%30s' % text)
        print('%-10s' % name + ''.join(cells))
    print()
    empty = table.get('empty', {}).get('tern')
    for name, row in table.items():
        t = row.get('tern')
        if not t:
            continue
        if 'tern-base' in row:
            b = row['tern-base']
            print('%-10s tern/tern-base: time %.2f, CPU %.2f, peak RSS %.2f' %
                  (name, t['ms'] / b['ms'], t['cpu_ms'] / b['cpu_ms'], t['rss_mib'] / b['rss_mib']))
        if 'wasm3' in row:
            w = row['wasm3']
            print('%-10s tern/wasm3: time %.2f, CPU %.2f, peak RSS %.2f' %
                  (name, t['ms'] / w['ms'], t['cpu_ms'] / w['cpu_ms'], t['rss_mib'] / w['rss_mib']))
        if 'liftoff' in row:
            n = row['liftoff']
            inner = ''
            if n.get('inner_ms') and empty and name != 'empty':
                # The measure: tern's time past its empty program's,
                # against node's compile + instantiate + run (goal: 0.5).
                inner = ('; (tern - empty) / time inside V8: %.2f, by CPU %.2f' %
                         ((t['ms'] - empty['ms']) / n['inner_ms'], (t['cpu_ms'] - empty['cpu_ms']) / n['inner_ms']))
            print('%-10s tern/node --liftoff-only: time %.2f%s' % (name, t['ms'] / n['ms'], inner))
    if opt.json:
        with open(opt.json, 'w') as f:
            json.dump({'rounds': opt.rounds, 'results': table}, f, indent=1)
    shutil.rmtree(work, ignore_errors=True)
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main())
