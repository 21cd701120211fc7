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
"""
import argparse
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
    with open(OUT, 'w') as f:
        f.write(''.join(n + '\n' for n in order))
    print('startup_order.py: %d functions in %s' % (len(order), os.path.relpath(OUT, ROOT)))


if __name__ == '__main__':
    main()
