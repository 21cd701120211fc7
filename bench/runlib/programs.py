"""Real programs for bench/run.py: tests/programs/run_programs.py's programs,
from its cache (nothing is downloaded or built here), timed as one
measurement of all of a program's steps."""
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile

from runlib.common import ROOT, run_once

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
