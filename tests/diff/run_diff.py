#!/usr/bin/env python3
"""Differential testing of Tern's tiers on modules from binaryen's translate-to-fuzz.

For each of --count modules:
  1. random bytes from a PRNG seeded with (--seed, module number), so any one
     module can be regenerated alone (--only N);
  2. `wasm-opt -ttf bytes.bin <features> -o m.wasm` turns them into a valid module;
  3. `tern validate m.wasm` (modules Tern rejects are counted and skipped;
     when wabt's wasm-validate is found it is asked too, and a module the two
     validators disagree on is reported);
  4. `diff_runner -q m.wasm` runs it on the interpreter, the JIT and the JIT
     with explicit bounds checks, calling every export, and compares.

A disagreement, a crash or a timeout of diff_runner copies the module to
--failures (tests/diff/failures/ by default) and prints the commands that
reproduce it. Exit status 0 when every module agreed (or was inconclusive),
1 otherwise, 2 on a setup error.

Feature sets: binaryen 108 emits pre-standard reference types (anyref,
non-nullable typed references) once reference types are enabled, and Tern
rightly rejects most such modules. So most modules use the "core" set (MVP,
sign extension, mutable globals, saturating float-to-int, bulk memory,
multi-value) and every fourth the "reftypes" set (core without multi-value,
plus reference types); the reftypes modules Tern rejects are skipped. SIMD is
off: the interpreter does not run it.

Examples:
  run_diff.py --runner build/tests/diff/diff_runner --tern build/tern --count 300 --seed 1
  run_diff.py --runner ... --tern ... --count 20000 --seed 7 --jobs 8      # a long run
  run_diff.py --runner ... --tern ... --seed 7 --only 1234 --keep /tmp/m   # one module again
"""

import argparse
import concurrent.futures
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time

CORE = ['-mvp', '--enable-sign-ext', '--enable-mutable-globals', '--enable-nontrapping-float-to-int',
        '--enable-bulk-memory']
PROFILES = {
    'core': CORE + ['--enable-multivalue'],
    'reftypes': CORE + ['--enable-reference-types'],
}

# Passes run on the generated module, so that the tiers also see the shapes
# of optimized code (locals reused, br_if carrying values, if/else results,
# select): none, binaryen's -O3, or a random set of passes picked from the
# input bytes (-fp, --fuzz-passes).
OPTS = [[], ['-O3'], ['--fuzz-passes']]

RESULT_RE = re.compile(r'^RESULT (\S+) calls=(\d+) traps=(\d+) host_calls=(\d+) jit_funcs=(\d+)/(\d+)')


def profile_of(index):
    return 'reftypes' if index % 4 == 3 else 'core'


def opts_of(index):
    return OPTS[(index // 4) % len(OPTS)]


def describe(index):
    return ' '.join([profile_of(index)] + opts_of(index))


def module_bytes(seed, index, min_bytes, max_bytes):
    rng = random.Random('tern-diff:%d:%d' % (seed, index))
    n = rng.randint(min_bytes, max_bytes)
    return bytes(rng.getrandbits(8) for _ in range(n))


class Outcome:
    def __init__(self, index, status, detail='', stats=None, output=''):
        self.index = index
        self.status = status  # agree, inconclusive, disagree, crash, timeout, invalid, gen-failed, validate-mismatch
        self.detail = detail
        self.stats = stats or {}
        self.output = output


def run_one(args, index, workdir):
    profile = profile_of(index)
    d = os.path.join(workdir, 'm%d' % index)
    os.makedirs(d, exist_ok=True)
    raw = os.path.join(d, 'input.bin')
    wasm = os.path.join(d, 'm.wasm')
    with open(raw, 'wb') as f:
        f.write(module_bytes(args.seed, index, args.min_bytes, args.max_bytes))
    gen = subprocess.run([args.wasm_opt, '-ttf', raw] + PROFILES[profile] + opts_of(index) + ['-o', wasm],
                         capture_output=True, text=True)
    if gen.returncode != 0 or not os.path.exists(wasm):
        return Outcome(index, 'gen-failed', gen.stderr.strip()[-500:])
    val = subprocess.run([args.tern, 'validate', wasm], capture_output=True, text=True)
    tern_ok = val.returncode == 0
    if args.wasm_validate:
        wv = subprocess.run([args.wasm_validate, wasm], capture_output=True, text=True)
        wabt_ok = wv.returncode == 0
        if wabt_ok != tern_ok and profile == 'core':
            # In the core set every module binaryen writes is standard Wasm 2.0.
            return Outcome(index, 'validate-mismatch',
                           'tern: %s; wasm-validate: %s' % ((val.stdout + val.stderr).strip(),
                                                              (wv.stdout + wv.stderr).strip()[:300]))
    if not tern_ok:
        if profile == 'core':
            return Outcome(index, 'validate-mismatch', 'tern rejects a core module: ' + (val.stdout + val.stderr).strip())
        return Outcome(index, 'invalid', (val.stdout + val.stderr).strip())
    cmd = [args.runner, '-q', '--fuel', str(args.fuel), '--hang-limit', str(args.hang_limit), wasm]
    try:
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=args.timeout)
    except subprocess.TimeoutExpired:
        return Outcome(index, 'timeout', 'diff_runner ran longer than %ds' % args.timeout)
    out = r.stdout + r.stderr
    m = None
    for line in r.stdout.splitlines():
        m = RESULT_RE.match(line) or m
    if r.returncode not in (0, 1) or m is None:
        sig = ''
        if r.returncode < 0:
            sig = ' (signal %d)' % -r.returncode
        return Outcome(index, 'crash', 'diff_runner exited with %d%s' % (r.returncode, sig), output=out)
    stats = {'calls': int(m.group(2)), 'traps': int(m.group(3)), 'host_calls': int(m.group(4)),
             'jit_compiled': int(m.group(5)), 'jit_total': int(m.group(6))}
    verdict = m.group(1)
    if verdict == 'agree':
        return Outcome(index, 'agree', stats=stats)
    if verdict == 'inconclusive':
        return Outcome(index, 'inconclusive', stats=stats, output=out)
    return Outcome(index, 'disagree', stats=stats, output=out)


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--runner', required=True, help='the diff_runner executable')
    ap.add_argument('--tern', required=True, help='the tern executable (for `tern validate`)')
    ap.add_argument('--wasm-opt', default=shutil.which('wasm-opt') or 'wasm-opt')
    ap.add_argument('--wasm-validate', default=shutil.which('wasm-validate'),
                    help='wabt validator to cross-check `tern validate` (default: from PATH, if any)')
    ap.add_argument('--count', type=int, default=300, help='modules to generate (default 300)')
    ap.add_argument('--seed', type=int, default=1, help='PRNG seed (default 1)')
    ap.add_argument('--first', type=int, default=0, help='number of the first module (default 0)')
    ap.add_argument('--only', type=int, action='append', help='run only module N (repeatable)')
    ap.add_argument('--min-bytes', type=int, default=512, help='random input size, lower bound')
    ap.add_argument('--max-bytes', type=int, default=8192, help='random input size, upper bound')
    ap.add_argument('--fuel', type=int, default=1000000, help='fuel per call (default 1000000)')
    ap.add_argument('--hang-limit', type=int, default=100,
                    help="binaryen's hang limit per call (loop iterations and calls; -ttf's own is 10)")
    ap.add_argument('--timeout', type=int, default=60, help='seconds per module before it counts as a hang')
    ap.add_argument('--jobs', '-j', type=int, default=os.cpu_count() or 1)
    ap.add_argument('--failures', default=os.path.join(here, 'failures'),
                    help='where failing modules are copied (default tests/diff/failures)')
    ap.add_argument('--keep', help='keep every generated module under this directory')
    ap.add_argument('--time-limit', type=float, default=0,
                    help='stop starting new modules after this many seconds (0: no limit)')
    ap.add_argument('-v', '--verbose', action='store_true', help='one line per module')
    args = ap.parse_args()

    for tool, name in ((args.wasm_opt, 'wasm-opt'), (args.runner, 'diff_runner'), (args.tern, 'tern')):
        if not (shutil.which(tool) or os.access(tool, os.X_OK)):
            print('run_diff: %s not found (%s)' % (name, tool), file=sys.stderr)
            return 2
    version = subprocess.run([args.wasm_opt, '--version'], capture_output=True, text=True).stdout.strip()

    indices = args.only if args.only else list(range(args.first, args.first + args.count))
    workdir = args.keep or tempfile.mkdtemp(prefix='tern-diff-')
    os.makedirs(workdir, exist_ok=True)
    print('run_diff: %d modules, seed %d, %s, %d jobs, work dir %s' % (len(indices), args.seed, version,
                                                                    args.jobs, workdir), flush=True)
    start = time.time()
    stop = threading.Event()
    outcomes = []
    lock = threading.Lock()

    def task(i):
        if stop.is_set():
            return None
        o = run_one(args, i, workdir)
        if args.time_limit and time.time() - start > args.time_limit:
            stop.set()
        with lock:
            if args.verbose:
                print('  module %d (%s): %s %s' % (i, describe(i), o.status, o.detail), flush=True)
            if o.status in ('disagree', 'crash', 'timeout', 'validate-mismatch'):
                report_failure(args, o, workdir, here)
        if not args.keep and o.status in ('agree', 'inconclusive', 'invalid', 'gen-failed'):
            shutil.rmtree(os.path.join(workdir, 'm%d' % i), ignore_errors=True)
        return o

    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, args.jobs)) as ex:
        for o in ex.map(task, indices):
            if o is not None:
                outcomes.append(o)

    elapsed = time.time() - start
    count = {}
    for o in outcomes:
        count[o.status] = count.get(o.status, 0) + 1
    tot = lambda k: sum(o.stats.get(k, 0) for o in outcomes)
    ran = sum(count.get(s, 0) for s in ('agree', 'inconclusive', 'disagree'))
    print('run_diff: %.1fs, %d modules generated, %d run on every tier (%d reftypes modules Tern rejects '
          'as pre-standard skipped, %d not generated)' % (elapsed, len(outcomes), ran, count.get('invalid', 0),
                                                        count.get('gen-failed', 0)))
    print('run_diff: %d calls, %d traps, %d host calls; jit compiled %d of %d functions' %
          (tot('calls'), tot('traps'), tot('host_calls'), tot('jit_compiled'), tot('jit_total')))
    print('run_diff: %d agree, %d inconclusive, %d disagreements, %d crashes, %d timeouts, '
          '%d validation mismatches' % (count.get('agree', 0), count.get('inconclusive', 0),
                                        count.get('disagree', 0), count.get('crash', 0),
                                        count.get('timeout', 0), count.get('validate-mismatch', 0)))
    if stop.is_set():
        print('run_diff: stopped early at the time limit (%.0fs)' % args.time_limit)
    if not args.keep:
        shutil.rmtree(workdir, ignore_errors=True)
    bad = sum(count.get(s, 0) for s in ('disagree', 'crash', 'timeout', 'validate-mismatch'))
    return 1 if bad else 0


def report_failure(args, o, workdir, here):
    os.makedirs(args.failures, exist_ok=True)
    name = 'seed%d-%d.wasm' % (args.seed, o.index)
    dst = os.path.join(args.failures, name)
    src = os.path.join(workdir, 'm%d' % o.index, 'm.wasm')
    if os.path.exists(src):
        shutil.copyfile(src, dst)
    print('\n==== module %d (seed %d, %s): %s %s' % (o.index, args.seed, describe(o.index), o.status.upper(),
                                                   o.detail))
    lines = o.output.splitlines()
    # The first difference and the summary, not the whole transcripts.
    shown = []
    for k, line in enumerate(lines):
        if line.startswith(('FIRST DIFFERENCE', 'INCONCLUSIVE')):
            shown = lines[k:]
            break
    if not shown:
        shown = lines[-30:]
    end = next((k for k, l in enumerate(shown) if l.startswith('==== transcript')), len(shown))
    for line in shown[:end][:60]:
        print('  ' + line)
    for line in lines:
        if line.startswith(('RESULT', 'jit:')):
            print('  ' + line)
    print('  saved as %s' % dst)
    print('  reproduce: %s %s' % (args.runner, dst))
    print('  regenerate: %s --runner %s --tern %s --seed %d --only %d --keep /tmp/tern-diff-%d' %
          (os.path.join(here, 'run_diff.py'), args.runner, args.tern, args.seed, o.index, o.index), flush=True)


if __name__ == '__main__':
    sys.exit(main())
