#!/usr/bin/env python3
"""Regenerates src/cli/startup.order, the functions `tern run` executes while
it starts a program, which the link of `tern` places together (lld's
--symbol-ordering-file, see meson.build).

    python3 src/cli/startup_order.py [--build DIR] [--programs-cache DIR]

Why: the kernel maps a binary's text 64 KB at a time around each first touch
(fault-around), so start-up code spread over the 2.4 MB of text costs a page
fault and 64 KB of peak RSS per window it touches; gathered, it fits in a few.

How: `tern run` under callgrind (mangled names) on small programs, every tier
(lazy JIT, eager JIT, interpreter): an empty WASI program, hello.wasm, and
when tests/programs' cache has it, Lua printing its version (a real module's
decode, instantiation and first compiles). The functions of the `tern` binary
that ran, the empty program's first, each once. Rerun it after changing what
start-up calls; a name the code no longer has is ignored by the linker.

With the C library linked in (meson.build), two kinds of its functions run
natively but not under valgrind, which are added after those: the string
functions glibc's ifunc resolvers pick for this CPU (valgrind's CPU lacks
AVX-512, so it runs other variants), read from the resolved slots of a
running `tern`, for the functions whose variants ran under callgrind; and the
set-up of the vDSO, which valgrind does not give a program (NATIVE_ONLY,
found with `perf record -e page-faults -d`). Both go right after the empty
program's functions on the default tier, the first and hottest.

Then the variables and constants the empty program touches (valgrind's
lackey traces its loads and stores): gathered, they take fewer pages of
.data, .bss, .data.rel.ro and .rodata, each page one fault (two for a
.bss page read before written). A variable shares its section with the
rest of its object file (the build has no -fdata-sections: it was tried,
and gained nothing measurable), so placing it places them all.
"""
import argparse
import bisect
import glob
import os
import re
import struct
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
OUT = os.path.join(HERE, 'startup.order')
TIERS = [[], ['-C', 'lazy=n'], ['--tier=interp']]
# Static glibc's set-up of the vDSO (_dl_non_dynamic_init): an object for it
# and the lookup of clock_gettime and the others in its symbols.
NATIVE_ONLY = ['_dl_new_object', '_dl_add_to_namespace_list', '_dl_setup_hash', '_dl_lookup_symbol_x',
               'do_lookup_x', 'check_match', '_dl_name_match_p']
NATIVE_FAMILIES = {'strcmp'}  # the string functions those call


def functions_run(tern, argv, work):
    """Mangled names of the functions of `tern` that ran, in callgrind's order."""
    out = os.path.join(work, 'cg.out')
    cmd = ['valgrind', '--tool=callgrind', '--demangle=no', '--compress-strings=no', '--compress-pos=no',
           '--callgrind-out-file=' + out, tern, 'run', '--dir', '.'] + argv
    res = subprocess.run(cmd, cwd=work, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if res.returncode != 0:
        sys.exit('startup_order.py: %s failed:\n%s' % (' '.join(cmd), res.stderr[-2000:]))
    names, ob = [], None
    with open(out) as f:
        for line in f:
            if line.startswith('ob='):
                ob = line[3:].strip()
            elif line.startswith('fn=') and ob and os.path.realpath(ob) == os.path.realpath(tern):
                name = line[3:].strip()
                # Callgrind's own names ("0x401020", "(below main)") are no symbols.
                if name and not name.startswith(('0x', '(')):
                    names.append(name)
    return names


def data_touched(tern, argv, work):
    """Mangled names of the variables and constants of `tern` that the run
    read or wrote, in the order first touched (valgrind's lackey), those of
    a page or more last: one of them would spread the others apart."""
    log = os.path.join(work, 'lackey.out')
    cmd = ['valgrind', '--tool=lackey', '--trace-mem=yes', '--log-file=' + log, tern, 'run'] + argv
    subprocess.run(cmd, cwd=work, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    data = []  # (start, end, name) of every data symbol
    for line in subprocess.run(['nm', '-S', '--defined-only', tern], capture_output=True, text=True).stdout.splitlines():
        p = line.split()
        if len(p) == 4 and p[2] in 'bBdDrRuvV':
            start = int(p[0], 16)
            data.append((start, start + max(int(p[1], 16), 1), p[3]))
    data.sort()
    starts = [d[0] for d in data]
    touched = {}
    with open(log) as f:
        for line in f:
            # " L 0004b2c0,8", " S ...", " M ..."; instruction fetches
            # ("I ...") and valgrind's own lines are left out.
            if len(line) < 4 or line[0] != ' ' or line[1] not in 'LSM':
                continue
            addr = int(line[3:].split(',')[0], 16)
            i = bisect.bisect_right(starts, addr) - 1
            if i >= 0 and addr < data[i][1]:
                touched.setdefault(data[i][2], data[i][1] - data[i][0])
    return sorted(touched, key=lambda n: touched[n] >= 4096)


def string_family(name):
    """'memcpy' for '__memcpy_avx_unaligned_erms', None for other names."""
    m = re.match(r'__(mem|str|stp|raw|wmem|wcs)([a-z]*?)(_l)?_(sse|avx|evex|ssse|erms|aarch64|generic)', name)
    return m.group(1) + m.group(2) if m else None


def ifunc_choices(tern, blocking_wasm):
    """The functions glibc's ifunc resolvers chose in a running `tern`, each
    as the tuple of its names, read from the slots its IRELATIVE relocations
    filled; [] when it has none (a dynamic link: libc.so's own)."""
    relocs = subprocess.run(['readelf', '-rW', tern], capture_output=True, text=True).stdout
    slots = [int(line.split()[0], 16) for line in relocs.splitlines() if '_IRELATIVE' in line]
    if not slots:
        return []
    syms = {}  # address: its names (memmove's variants are memcpy's too)
    for line in subprocess.run(['nm', tern], capture_output=True, text=True).stdout.splitlines():
        p = line.split()
        if len(p) == 3 and p[1] in 'tT':
            syms.setdefault(int(p[0], 16), []).append(p[2])
    # It waits for its standard input, so its slots are filled and stay.
    proc = subprocess.Popen([tern, 'run', blocking_wasm], stdin=subprocess.PIPE, stdout=subprocess.DEVNULL)
    time.sleep(0.5)
    chosen = []
    try:
        with open('/proc/%d/mem' % proc.pid, 'rb') as mem:
            for slot in slots:
                mem.seek(slot)
                chosen.append(tuple(syms.get(struct.unpack('<Q', mem.read(8))[0], ())))
    finally:
        proc.stdin.close()
        proc.wait()
    return [names for names in dict.fromkeys(chosen) if names]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--build', default=os.path.join(ROOT, 'build'), help='meson build directory (default: build)')
    ap.add_argument('--programs-cache', default=os.environ.get('TERN_PROGRAMS_CACHE',
                                                                os.path.expanduser('~/.cache/tern-programs')))
    opt = ap.parse_args()
    tern = os.path.abspath(os.path.join(opt.build, 'tern'))
    work = tempfile.mkdtemp(prefix='tern-order-')
    empty = os.path.join(work, 'empty.wasm')
    with open(os.path.join(work, 'empty.c'), 'w') as f:
        f.write('int main(void) { return 0; }\n')
    subprocess.run(['clang', '--target=wasm32-wasi', '-O2', '-o', empty, os.path.join(work, 'empty.c')], check=True)
    waiting = os.path.join(work, 'wait.wasm')
    with open(os.path.join(work, 'wait.c'), 'w') as f:
        f.write('#include <stdio.h>\nint main(void) { return getchar() == EOF ? 0 : 1; }\n')
    subprocess.run(['clang', '--target=wasm32-wasi', '-O2', '-o', waiting, os.path.join(work, 'wait.c')], check=True)
    programs = [[empty]]
    hello = os.path.abspath(os.path.join(opt.build, 'hello.wasm'))
    if os.path.exists(hello):
        programs.append([hello])
    lua = sorted(glob.glob(os.path.join(opt.programs_cache, 'builds', 'lua5.4_*', 'lua.opt.wasm')))
    if lua:
        programs.append([lua[-1], '-v'])
    # crt1.o's entry point, which callgrind names "(below main)", and what
    # crtbegin.o runs before the constructors, which it does not name.
    seen, order = set(), ['_start', 'frame_dummy', 'register_tm_clones']
    choices = ifunc_choices(tern, waiting)
    for prog in programs:
        for tier in TIERS:
            new = [n for n in dict.fromkeys(functions_run(tern, tier + prog, work)) if n not in seen]
            seen.update(new)
            # asmjit's archive is not compiled with -ffunction-sections: a
            # name of it places its whole object file, so each run's asmjit
            # names follow the rest of its functions.
            order += sorted(new, key=lambda n: 'asmjit' in n)
            if choices and prog is programs[0] and not tier:
                # What runs natively only, next to the empty program's own.
                families = {string_family(n) for n in order} | NATIVE_FAMILIES
                native = [names[0] for names in choices if families & {string_family(n) for n in names}]
                native = [n for n in native + NATIVE_ONLY if n not in seen]
                seen.update(native)
                order += native
    functions = len(order)
    order += [n for n in data_touched(tern, [empty], work) if n not in seen]
    with open(OUT, 'w') as f:
        f.write(''.join(n + '\n' for n in order))
    print('startup_order.py: %d functions and %d variables in %s' % (functions, len(order) - functions,
                                                                       os.path.relpath(OUT, ROOT)))


if __name__ == '__main__':
    main()
