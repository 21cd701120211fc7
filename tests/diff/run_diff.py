#!/usr/bin/env python3
"""Differential testing of Tern's tiers on randomly generated modules.

For each of --count modules (numbered from --first):
  1. a module is generated, deterministically from (--seed, its number), so
     any one can be made again alone (--only N):
       ttf    binaryen's translate-to-fuzz: random bytes from a seeded PRNG,
              then `wasm-opt -ttf bytes.bin <features> [passes] -o m.wasm`;
       exprs  gen_exprs.py (next to this script), whose functions return
              and store what they compute, assembled with wat2wasm and
              sometimes optimized with `wasm-opt -O3`;
       shapes gen_shapes.py (next to this script): functions shaped like
              compiled C (interpreter dispatch loops over wide br_tables,
              deep block nesting, hundreds of locals, calls in loops,
              many-valued calls, bounded recursion), each folding all its
              locals into a checksum it stores and returns; assembled with
              wat2wasm, two thirds of them then optimized with `wasm-opt`
              (-O2, -O3 or -Os), as real programs are;
       simd   gen_simd.py (next to this script): every SIMD instruction
              of src/module/opcodes.def over edge-case lanes (NaNs, -0,
              saturation bounds), each value stored and compared; a third
              optimized with `wasm-opt -O3 --enable-simd`;
       ttf-simd  translate-to-fuzz with SIMD enabled (the "simd" set:
              core plus --enable-simd);
       ttf-mem64  translate-to-fuzz with 64-bit memories (the "mem64" set:
              core plus --enable-memory64, so memory 0 has i64 addresses;
              validated and run with -W memory64);
       ttf-tail  translate-to-fuzz with tail calls enabled (the "tail" set:
              core plus --enable-tail-call): return_call and
              return_call_indirect among the calls;
       ttf-multimem  translate-to-fuzz (the "core" set), then lifted to two
              memories, each 32- or 64-bit, with the accesses spread over
              them (lift_multimem.py, next to this script; the "multimem"
              set: validated and run with -W multi-memory,memory64);
  2. `tern validate m.wasm`; when wabt's wasm-validate is found it is asked
     too, and a module the two validators disagree on is reported;
  3. `diff_runner -q m.wasm` runs it on the interpreter, the JIT and the JIT
     with explicit bounds checks, both JITs again without fuel metering (which
     spills and forgets cached registers at every loop header, so only these
     tiers run loops as programs do; --tiers), calls every export, and
     compares.

A disagreement, a crash or a timeout of diff_runner copies the module to
--failures (tests/diff/failures/ by default) and prints the commands that
reproduce it. Exit status 0 when every module agreed (or was inconclusive),
1 otherwise, 2 on a setup error.

ttf feature sets: binaryen 108 emits pre-standard reference types (anyref,
non-nullable typed references) once reference types are enabled, and Tern
rightly rejects most such modules. So most ttf modules use the "core" set
(MVP, sign extension, mutable globals, saturating float-to-int, bulk memory,
multi-value) and a quarter the "reftypes" set (core without multi-value,
plus reference types); the reftypes modules Tern rejects are counted and
skipped. SIMD is only in the simd and ttf-simd kinds, tail calls only in
ttf-tail. After -ttf, a third
of the modules get -O3 and a third a random set of passes (--fuzz-passes),
so that the tiers also see optimized code.

Which generators run, and how often: --kinds, a comma-separated list of
KIND[:WEIGHT] (default ttf:2,exprs:1,shapes:1). --gen is the older spelling
(ttf, exprs, shapes, or both = ttf:2,exprs:1). A module's kind is drawn from
(--seed, its number) with the weights, so --only N makes module N again only
with the same --kinds; the "regenerate" line printed for a failure has it.

Examples (from the source tree, after `ninja -C build`):
  tests/diff/run_diff.py --runner build/tests/diff/diff_runner --tern build/tern   # 300 modules, seed 1
  tests/diff/run_diff.py --runner build/tests/diff/diff_runner --tern build/tern --count 20000 --seed 7
  tests/diff/run_diff.py --runner build/tests/diff/diff_runner --tern build/tern --seed 7 --only 1234 --keep /tmp/m
  tests/diff/run_diff.py --runner build/tests/diff/diff_runner --tern build/tern --kinds shapes --count 5000 --seed 11
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

HERE = os.path.dirname(os.path.abspath(__file__))
GEN_EXPRS = os.path.join(HERE, 'gen_exprs.py')
GEN_SHAPES = os.path.join(HERE, 'gen_shapes.py')
GEN_SIMD = os.path.join(HERE, 'gen_simd.py')
LIFT_MEM64 = os.path.join(HERE, 'lift_mem64.py')
LIFT_MULTIMEM = os.path.join(HERE, 'lift_multimem.py')
# The order kinds are drawn in; new kinds go last, so that the modules of a
# seed with the older kinds stay the same.
KINDS = ('exprs', 'ttf', 'shapes', 'simd', 'ttf-simd', 'ttf-mem64', 'ttf-tail', 'ttf-multimem')
DEFAULT_KINDS = 'ttf:2,exprs:1,shapes:1'
GEN_ALIASES = {'both': 'ttf:2,exprs:1', 'ttf': 'ttf', 'exprs': 'exprs', 'shapes': 'shapes'}

CORE = ['-mvp', '--enable-sign-ext', '--enable-mutable-globals', '--enable-nontrapping-float-to-int',
        '--enable-bulk-memory']
PROFILES = {
    'core': CORE + ['--enable-multivalue'],
    'reftypes': CORE + ['--enable-reference-types'],
    'simd': CORE + ['--enable-multivalue', '--enable-simd'],
    'mem64': CORE + ['--enable-multivalue', '--enable-memory64'],
    'tail': CORE + ['--enable-multivalue', '--enable-tail-call'],
    'multimem': CORE + ['--enable-multivalue'],  # lifted to two memories after the passes
}
# What Tern (tern validate, diff_runner) and wasm-validate need switched on
# for a set's modules (every set but simd's is standard Wasm: wasm-validate
# checks those).
TERN_FEATURES = {'mem64': ['-W', 'memory64'], 'multimem': ['-W', 'multi-memory,memory64']}
WABT_FEATURES = {'core': [], 'mem64': ['--enable-memory64'], 'tail': ['--enable-tail-call'],
                 'multimem': ['--enable-multi-memory', '--enable-memory64']}
TTF_PASSES = [[], ['-O3'], ['--fuzz-passes']]
EXPRS_PASSES = [[], [], ['-O3']]
SHAPES_PASSES = [[], [], ['-O2'], ['-O3'], ['-O3'], ['-Os']]
SIMD_PASSES = [[], [], ['-O3']]

RESULT_RE = re.compile(r'^RESULT (\S+) calls=(\d+) traps=(\d+) host_calls=(\d+) jit_funcs=(\d+)/(\d+)')
BAD = ('disagree', 'crash', 'timeout', 'validate-mismatch')


class Plan:
    """How module `index` of run `seed` is made."""

    def __init__(self, seed, index, kinds, min_bytes, max_bytes):
        rng = random.Random('tern-diff:%d:%d' % (seed, index))
        # kinds: {kind: weight}. With one kind nothing is drawn (so --gen ttf
        # and --gen exprs make the modules they always made); ttf:2,exprs:1
        # draws as --gen both always did.
        live = [k for k in KINDS if kinds.get(k, 0) > 0]
        if len(live) == 1:
            gen = live[0]
        else:
            r = rng.random() * sum(kinds[k] for k in live)
            for gen in live:
                r -= kinds[gen]
                if r < 0:
                    break
        self.kind = gen
        self.profile = 'reftypes' if gen == 'ttf' and rng.random() < 0.25 else 'core'
        if gen in ('simd', 'ttf-simd'):
            self.profile = 'simd'
        if gen == 'ttf-mem64':
            self.profile = 'mem64'
        if gen == 'ttf-tail':
            self.profile = 'tail'
        if gen == 'ttf-multimem':
            self.profile = 'multimem'
        self.passes = rng.choice({'ttf': TTF_PASSES, 'exprs': EXPRS_PASSES, 'shapes': SHAPES_PASSES,
                                  'simd': SIMD_PASSES, 'ttf-simd': TTF_PASSES, 'ttf-mem64': TTF_PASSES,
                                  'ttf-tail': TTF_PASSES, 'ttf-multimem': TTF_PASSES}[gen])
        self.input = bytes(rng.getrandbits(8) for _ in range(rng.randint(min_bytes, max_bytes)))
        self.exprs_seed = '%d:%d' % (seed, index)

    def describe(self):
        return ' '.join([self.kind] + ([self.profile] if self.kind == 'ttf' else []) + self.passes)


class Outcome:
    def __init__(self, index, plan, status, detail='', stats=None, output=''):
        self.index = index
        self.plan = plan
        # agree, inconclusive, disagree, crash, timeout, invalid, gen-failed, validate-mismatch
        self.status = status
        self.detail = detail
        self.stats = stats or {}
        self.output = output


def generate_mem64(args, plan, raw, d):
    """-ttf, then the module's memory lifted to 64 bits (lift_mem64.py), then
    the passes: writes d/m.wasm, returns an error text or None."""
    steps = [[args.wasm_opt, '-ttf', raw] + PROFILES['core'] + ['-o', os.path.join(d, 'm0.wasm')],
             [os.path.join(os.path.dirname(args.wasm_opt), 'wasm-dis'), os.path.join(d, 'm0.wasm'),
              '-o', os.path.join(d, 'm0.wat')],
             [sys.executable, LIFT_MEM64, os.path.join(d, 'm0.wat'), os.path.join(d, 'm.wat')],
             [args.wasm_opt, os.path.join(d, 'm.wat')] + PROFILES[plan.profile] + plan.passes +
             ['-o', os.path.join(d, 'm.wasm')]]
    for cmd in steps:
        r = subprocess.run(cmd, capture_output=True, text=True)
        if r.returncode != 0:
            return '%s: %s' % (os.path.basename(cmd[0]), r.stderr.strip()[-500:])
    return None


def generate_multimem(args, plan, raw, d):
    """-ttf and the passes, then the module lifted to two memories
    (lift_multimem.py, its draws from the plan's seed): writes d/m.wasm,
    returns an error text or None."""
    steps = [[args.wasm_opt, '-ttf', raw] + PROFILES[plan.profile] + plan.passes + ['-o', os.path.join(d, 'm0.wasm')],
             [sys.executable, LIFT_MULTIMEM, plan.exprs_seed, os.path.join(d, 'm0.wasm'), os.path.join(d, 'm.wasm')]]
    for cmd in steps:
        r = subprocess.run(cmd, capture_output=True, text=True)
        if r.returncode != 0:
            return '%s: %s' % (os.path.basename(cmd[1] if cmd[0] == sys.executable else cmd[0]),
                               r.stderr.strip()[-500:])
    return None


def generate(args, plan, d):
    """Writes d/m.wasm; returns an error text or None."""
    wasm = os.path.join(d, 'm.wasm')
    if plan.kind in ('ttf', 'ttf-simd', 'ttf-mem64', 'ttf-tail', 'ttf-multimem'):
        raw = os.path.join(d, 'input.bin')
        with open(raw, 'wb') as f:
            f.write(plan.input)
        if plan.kind == 'ttf-mem64':
            return generate_mem64(args, plan, raw, d)
        if plan.kind == 'ttf-multimem':
            return generate_multimem(args, plan, raw, d)
        cmd = [args.wasm_opt, '-ttf', raw] + PROFILES[plan.profile] + plan.passes + ['-o', wasm]
        r = subprocess.run(cmd, capture_output=True, text=True)
        if r.returncode != 0 or not os.path.exists(wasm):
            return r.stderr.strip()[-500:]
        return None
    wat = os.path.join(d, 'm.wat')
    if plan.kind == 'shapes':
        cmd = [sys.executable, GEN_SHAPES, '--scale', str(args.shapes_scale), plan.exprs_seed, wat]
    elif plan.kind == 'simd':
        cmd = [sys.executable, GEN_SIMD, plan.exprs_seed, wat]
    else:
        flags = ['--no-block-params'] if plan.passes else []
        cmd = [sys.executable, GEN_EXPRS] + flags + [plan.exprs_seed, wat]
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        return r.stderr.strip()[-500:]
    target = wasm if not plan.passes else os.path.join(d, 'm0.wasm')
    r = subprocess.run([args.wat2wasm, wat, '-o', target], capture_output=True, text=True)
    if r.returncode != 0:
        return 'wat2wasm: ' + r.stderr.strip()[-500:]
    if plan.passes:
        r = subprocess.run([args.wasm_opt, target] + PROFILES[plan.profile] + plan.passes + ['-o', wasm],
                           capture_output=True, text=True)
        if r.returncode != 0:
            return 'wasm-opt: ' + r.stderr.strip()[-500:]
    return None


def run_one(args, index, workdir):
    plan = Plan(args.seed, index, args.kinds, args.min_bytes, args.max_bytes)
    d = os.path.join(workdir, 'm%d' % index)
    os.makedirs(d, exist_ok=True)
    wasm = os.path.join(d, 'm.wasm')
    err = generate(args, plan, d)
    if err is not None:
        return Outcome(index, plan, 'gen-failed', err)
    features = TERN_FEATURES.get(plan.profile, [])
    val = subprocess.run([args.tern, 'validate'] + features + [wasm], capture_output=True, text=True)
    tern_ok = val.returncode == 0
    tern_msg = (val.stdout + val.stderr).strip()
    if args.wasm_validate and plan.profile in WABT_FEATURES:
        # In these sets every module is standard Wasm (2.0, or 2.0 plus one proposal).
        wv = subprocess.run([args.wasm_validate] + WABT_FEATURES[plan.profile] + [wasm], capture_output=True,
                            text=True)
        if (wv.returncode == 0) != tern_ok:
            return Outcome(index, plan, 'validate-mismatch',
                           'tern: %s; wasm-validate: %s' % (tern_msg, (wv.stdout + wv.stderr).strip()[:300]))
    if not tern_ok:
        if plan.profile in WABT_FEATURES:
            return Outcome(index, plan, 'validate-mismatch', 'tern rejects a core module: ' + tern_msg)
        return Outcome(index, plan, 'invalid', tern_msg)
    cmd = [args.runner, '-q', '--fuel', str(args.fuel), '--hang-limit', str(args.hang_limit),
           '--tiers', args.tiers] + features + [wasm]
    try:
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=args.timeout)
    except subprocess.TimeoutExpired:
        return Outcome(index, plan, 'timeout', 'diff_runner ran longer than %ds' % args.timeout)
    out = r.stdout + r.stderr
    m = None
    for line in r.stdout.splitlines():
        m = RESULT_RE.match(line) or m
    if r.returncode not in (0, 1) or m is None:
        sig = ' (signal %d)' % -r.returncode if r.returncode < 0 else ''
        return Outcome(index, plan, 'crash', 'diff_runner exited with %d%s' % (r.returncode, sig), output=out)
    stats = {'calls': int(m.group(2)), 'traps': int(m.group(3)), 'host_calls': int(m.group(4)),
             'jit_compiled': int(m.group(5)), 'jit_total': int(m.group(6))}
    status = {'agree': 'agree', 'inconclusive': 'inconclusive'}.get(m.group(1), 'disagree')
    return Outcome(index, plan, status, stats=stats, output=out if status != 'agree' else '')


def report_failure(args, o, workdir):
    os.makedirs(args.failures, exist_ok=True)
    base = os.path.join(args.failures, 'seed%d-%d' % (args.seed, o.index))
    src = os.path.join(workdir, 'm%d' % o.index)
    if os.path.exists(os.path.join(src, 'm.wasm')):
        shutil.copyfile(os.path.join(src, 'm.wasm'), base + '.wasm')
    if os.path.exists(os.path.join(src, 'm.wat')):
        shutil.copyfile(os.path.join(src, 'm.wat'), base + '.wat')
    print('\n==== module %d (seed %d, %s): %s %s' % (o.index, args.seed, o.plan.describe(), o.status.upper(),
                                                   o.detail))
    lines = o.output.splitlines()
    # The first difference and the summary, not the whole transcripts.
    start = next((k for k, l in enumerate(lines) if l.startswith(('FIRST DIFFERENCE', 'INCONCLUSIVE'))), None)
    shown = lines[start:] if start is not None else lines[-30:]
    end = next((k for k, l in enumerate(shown) if l.startswith('==== transcript')), len(shown))
    for line in shown[:end][:60]:
        print('  ' + line)
    for line in lines:
        if line.startswith(('RESULT', 'jit:')):
            print('  ' + line)
    print('  saved as %s.wasm' % base)
    print('  reproduce: %s --tiers %s %s.wasm' % (args.runner, args.tiers, base))
    print('  regenerate: %s --runner %s --tern %s --kinds %s%s --seed %d --only %d --keep /tmp/tern-diff-%d' %
          (os.path.join(HERE, 'run_diff.py'), args.runner, args.tern, args.kinds_text,
           ' --shapes-scale %g' % args.shapes_scale if args.shapes_scale != 1 else '', args.seed, o.index,
           o.index), flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--runner', required=True, help='the diff_runner executable')
    ap.add_argument('--tern', required=True, help='the tern executable (for `tern validate`)')
    ap.add_argument('--wasm-opt', default=shutil.which('wasm-opt') or 'wasm-opt')
    ap.add_argument('--wat2wasm', default=shutil.which('wat2wasm') or 'wat2wasm')
    ap.add_argument('--wasm-validate', default=shutil.which('wasm-validate'),
                    help='wabt validator to cross-check `tern validate` (default: from PATH, if any)')
    ap.add_argument('--kinds', help='generators and weights, KIND[:WEIGHT],... of ttf, exprs, shapes, simd, ttf-simd, '
                    'ttf-mem64, ttf-tail, ttf-multimem '
                    '(default %s)' % DEFAULT_KINDS)
    ap.add_argument('--gen', choices=sorted(GEN_ALIASES),
                    help='the older --kinds: ttf, exprs, shapes, or both (ttf:2,exprs:1)')
    ap.add_argument('--shapes-scale', type=float, default=1.0,
                    help='gen_shapes.py --scale: multiplies the size of its functions (default 1)')
    ap.add_argument('--count', type=int, default=300, help='modules to generate (default 300)')
    ap.add_argument('--seed', type=int, default=1, help='PRNG seed (default 1)')
    ap.add_argument('--first', type=int, default=0, help='number of the first module (default 0)')
    ap.add_argument('--only', type=int, action='append', help='run only module N (repeatable)')
    ap.add_argument('--min-bytes', type=int, default=512, help='-ttf random input size, lower bound')
    ap.add_argument('--max-bytes', type=int, default=8192, help='-ttf random input size, upper bound')
    ap.add_argument('--fuel', type=int, default=1000000, help='fuel per call (default 1000000)')
    ap.add_argument('--tiers', default='interp,jit,jit-bc,jit-nofuel,jit-bc-nofuel',
                    help='diff_runner --tiers (default interp,jit,jit-bc,jit-nofuel,jit-bc-nofuel: without '
                    'fuel metering the JIT keeps locals in registers across loop heads, as programs run it)')
    ap.add_argument('--hang-limit', type=int, default=100,
                    help="binaryen's hang limit per call (loop iterations and calls; -ttf's own is 10)")
    ap.add_argument('--timeout', type=int, default=60, help='seconds per module before it counts as a hang')
    ap.add_argument('--jobs', '-j', type=int, default=os.cpu_count() or 1)
    ap.add_argument('--failures', default=os.path.join(HERE, 'failures'),
                    help='where failing modules are copied (default tests/diff/failures)')
    ap.add_argument('--keep', help='keep every generated module under this directory')
    ap.add_argument('--time-limit', type=float, default=0,
                    help='stop starting new modules after this many seconds (0: no limit)')
    ap.add_argument('-v', '--verbose', action='store_true', help='one line per module')
    args = ap.parse_args()
    if args.kinds and args.gen:
        ap.error('--kinds and --gen: give one')
    args.kinds_text = args.kinds or (GEN_ALIASES[args.gen] if args.gen else DEFAULT_KINDS)
    args.kinds = {}
    for part in args.kinds_text.split(','):
        name, _, weight = part.strip().partition(':')
        if name not in KINDS:
            ap.error('--kinds: unknown generator %r (%s)' % (name, ', '.join(KINDS)))
        try:
            args.kinds[name] = float(weight) if weight else 1.0
        except ValueError:
            ap.error('--kinds: bad weight in %r' % part)
    if not any(w > 0 for w in args.kinds.values()):
        ap.error('--kinds: no generator has a weight above 0')

    for attr, name in (('wasm_opt', 'wasm-opt'), ('runner', 'diff_runner'), ('tern', 'tern'),
                       ('wat2wasm', 'wat2wasm')):
        tool = getattr(args, attr)
        found = shutil.which(tool) if os.sep not in tool else (tool if os.access(tool, os.X_OK) else None)
        if not found:
            if attr == 'wat2wasm' and set(k for k, w in args.kinds.items() if w > 0) == {'ttf'}:
                continue
            print('run_diff: %s not found (%s)' % (name, tool), file=sys.stderr)
            return 2
        setattr(args, attr, os.path.abspath(found) if os.sep in found else found)
    version = subprocess.run([args.wasm_opt, '--version'], capture_output=True, text=True).stdout.strip()

    indices = args.only if args.only else list(range(args.first, args.first + args.count))
    workdir = os.path.abspath(args.keep) if args.keep else tempfile.mkdtemp(prefix='tern-diff-')
    os.makedirs(workdir, exist_ok=True)
    print('run_diff: %d modules (%s), seed %d, %s, %d jobs, work dir %s' % (
        len(indices), args.kinds_text, args.seed, version, args.jobs, workdir), flush=True)
    start = time.time()
    stop = threading.Event()
    lock = threading.Lock()

    def task(i):
        if stop.is_set():
            return None
        o = run_one(args, i, workdir)
        if args.time_limit and time.time() - start > args.time_limit:
            stop.set()
        with lock:
            if args.verbose:
                print('  module %d (%s): %s %s' % (i, o.plan.describe(), o.status, o.detail), flush=True)
            if o.status in BAD:
                report_failure(args, o, workdir)
        if not args.keep and o.status not in BAD:
            shutil.rmtree(os.path.join(workdir, 'm%d' % i), ignore_errors=True)
        return o

    outcomes = []
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, args.jobs)) as ex:
        for o in ex.map(task, indices):
            if o is not None:
                outcomes.append(o)

    elapsed = time.time() - start
    count = {}
    for o in outcomes:
        count[o.status] = count.get(o.status, 0) + 1
    kinds = {}
    for o in outcomes:
        kinds[o.plan.kind] = kinds.get(o.plan.kind, 0) + 1

    def total(key):
        return sum(o.stats.get(key, 0) for o in outcomes)

    ran = sum(count.get(s, 0) for s in ('agree', 'inconclusive', 'disagree'))
    print('run_diff: %.1fs, %d modules generated (%s), %d run on every tier; skipped: %d reftypes modules '
          'Tern rejects as pre-standard, %d not generated' % (
              elapsed, len(outcomes), ', '.join('%d %s' % (n, k) for k, n in sorted(kinds.items())), ran,
              count.get('invalid', 0), count.get('gen-failed', 0)))
    print('run_diff: %d calls, %d traps, %d host calls; jit compiled %d of %d functions' % (
        total('calls'), total('traps'), total('host_calls'), total('jit_compiled'), total('jit_total')))
    print('run_diff: %d agree, %d inconclusive, %d disagreements, %d crashes, %d timeouts, '
          '%d validation mismatches' % (count.get('agree', 0), count.get('inconclusive', 0),
                                        count.get('disagree', 0), count.get('crash', 0),
                                        count.get('timeout', 0), count.get('validate-mismatch', 0)))
    for o in outcomes:
        if o.status == 'gen-failed':
            print('run_diff: module %d (%s) not generated: %s' % (o.index, o.plan.describe(), o.detail[:200]))
    if stop.is_set():
        print('run_diff: stopped early at the time limit (%.0fs)' % args.time_limit)
    if not args.keep:
        shutil.rmtree(workdir, ignore_errors=True)
    return 1 if any(o.status in BAD for o in outcomes) else 0


if __name__ == '__main__':
    sys.exit(main())
