#!/usr/bin/env python3
"""Compile throughput across module sizes: Tern's JIT against Liftoff, one thread.

    python3 bench/compile_scale.py [--build DIR] [--module FILE.wasm]
                                   [--sizes 10000,30000,...] [--iterations N] [--tier jit|interp]
    python3 bench/compile_scale.py --threads N [--build DIR] [--iterations N] [--tier jit|interp]
                                   FILE.wasm...

Synthesizes modules of about each size of code section (default 10 KB, 30 KB,
100 KB, 300 KB, 1 MB, 2 MB) from one real module (default: SQLite's
speedtest1 from the programs suite's cache, else DIR/bench/all.wasm) and
prints, per size, the MB of code section per second of `compile_bench`
(tern) and of `node_compile.mjs` under `node --liftoff-only` (eager, no
compilation tasks), both by the median thread (tern) or process (node) CPU
time, which a shared machine disturbs less than the wall clock (the wall
clock's figures follow in brackets). A compiler linear in module size shows
the same MB/s on every row.

A module below the real one's size keeps the real bodies in order until the
size is reached; every later function's body becomes `unreachable` (four
bytes: its index, type, imports, exports and table entries stay valid). A
module above it appends copies of the real bodies, as new functions of the
same types, until the size is reached. Custom sections are dropped. The
modules go to a temporary directory, removed afterwards.

With --threads N, each FILE.wasm as it is (default: SQLite's speedtest1 and
Lua from the programs suite's cache, and DIR/bench/all.wasm) is compiled
eagerly by tern on one thread and on N (`compile_bench --threads`, with
parallel compilation), and by Liftoff with no compilation tasks and with
V8's default ones (one per core: node's concurrent compile); the table gives
the wall clock's MB/s (what more threads buy; the CPU time only grows) and
each one's speedup over its own single thread, and per thread.
"""
import argparse
import glob
import os
import re
import subprocess
import sys
import tempfile

BENCH = os.path.dirname(os.path.abspath(__file__))
NODE_COMPILE_FLAGS = ['--liftoff-only', '--no-wasm-lazy-compilation', '--wasm-num-compilation-tasks=0',
                      '--no-wasm-native-module-cache-enabled']
STUB = bytes([3, 0, 0x00, 0x0b])  # body size 3: no locals, unreachable, end


# The module reader of tests/link/link_test.py: read_u32(data, pos) -> (value,
# pos) and sections(data) -> [(id, payload)].
sys.path.insert(0, os.path.join(os.path.dirname(BENCH), 'tests', 'link'))
from link_test import read_u32 as uleb, sections  # noqa: E402
sys.path.pop(0)


def enc(v):
    out = bytearray()
    while True:
        x = v & 0x7f
        v >>= 7
        out.append(x | (0x80 if v else 0))
        if not v:
            return bytes(out)


def vector(payload):
    """The items of a function section (type indices) or code section (whole bodies, size included)."""
    n, pos = uleb(payload, 0)
    return n, pos


def parse(b):
    secs = [(i, p) for i, p in sections(b) if i != 0]
    funcs = next(p for i, p in secs if i == 3)
    code = next(p for i, p in secs if i == 10)
    n, pos = vector(funcs)
    types = []
    for _ in range(n):
        t, pos = uleb(funcs, pos)
        types.append(t)
    n, pos = vector(code)
    bodies = []
    for _ in range(n):
        size, start = uleb(code, pos)
        bodies.append(code[pos:start + size])
        pos = start + size
    return secs, types, bodies


def synthesize(secs, types, bodies, target):
    """A module whose code section holds about `target` bytes."""
    total = sum(len(x) for x in bodies)
    out_types, out_bodies = list(types), []
    if target <= total:
        size = 0
        for body in bodies:
            keep = size < target
            out_bodies.append(body if keep else STUB)
            size += len(body) if keep else 0
    else:
        out_bodies = list(bodies)
        size, k = total, 0
        while size < target:
            out_types.append(types[k % len(types)])
            out_bodies.append(bodies[k % len(bodies)])
            size += len(bodies[k % len(bodies)])
            k += 1
    func_sec = enc(len(out_types)) + b''.join(enc(t) for t in out_types)
    code_sec = enc(len(out_bodies)) + b''.join(out_bodies)
    out = bytearray(b'\0asm\1\0\0\0')
    for sid, payload in secs:
        payload = func_sec if sid == 3 else code_sec if sid == 10 else payload
        out += bytes([sid]) + enc(len(payload)) + payload
    return bytes(out)


def throughput(cmd):
    """(cpu MB/s, wall MB/s, code bytes) from a compile_bench / node_compile.mjs line."""
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    wall = re.search(r'compile: ([\d.]+) MB/s', out)
    cpu = re.search(r'by cpu time ([\d.]+) MB/s', out)
    code = re.search(r'code section (\d+) bytes', out)
    if not (wall and cpu and code):
        sys.exit(f'unexpected output from {cmd[0]}: {out}')
    return float(cpu.group(1)), float(wall.group(1)), int(code.group(1))


def default_module(build):
    cache = os.environ.get('TERN_PROGRAMS_CACHE', os.path.expanduser('~/.cache/tern-programs'))
    found = sorted(glob.glob(os.path.join(cache, 'builds', 'sqlite3_*', 'speedtest1.opt.wasm')))
    return found[-1] if found else os.path.join(build, 'bench', 'all.wasm')


def default_modules(build):
    cache = os.environ.get('TERN_PROGRAMS_CACHE', os.path.expanduser('~/.cache/tern-programs'))
    found = []
    for pattern in ['sqlite3_*/speedtest1.wasm', 'lua*/lua.wasm']:
        hits = sorted(glob.glob(os.path.join(cache, 'builds', pattern)))
        found += hits[-1:]
    found.append(os.path.join(build, 'bench', 'all.wasm'))
    return [f for f in found if os.path.exists(f)]


def threads_table(args, bench, node, iters):
    """Eager compile on one thread and on args.threads, tern and Liftoff, by the wall clock."""
    n = args.threads
    node_js = os.path.join(BENCH, 'node_compile.mjs')
    concurrent = [f for f in NODE_COMPILE_FLAGS if not f.startswith('--wasm-num-compilation-tasks')]
    print(f'{os.cpu_count()} cores; MB/s of code section by the wall clock (by cpu time in brackets)')
    print(f'| module | code bytes | tern 1 thread | tern {n} threads | speedup (per thread) '
          f'| Liftoff 1 thread | Liftoff concurrent | speedup | tern / Liftoff, all cores |')
    print('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |')
    it = ['--iterations'] + iters if iters else []
    for path in args.files or default_modules(args.build):
        t1_cpu, t1, code = throughput([bench, path, '--tier=' + args.tier, '--threads', '1'] + it)
        tn_cpu, tn, _ = throughput([bench, path, '--tier=' + args.tier, '--threads', str(n)] + it)
        l1_cpu, l1, _ = throughput([node] + NODE_COMPILE_FLAGS + [node_js, path] + iters)
        ln_cpu, ln, _ = throughput([node] + concurrent + [node_js, path] + iters)
        print(f'| {os.path.basename(path)} | {code} | {t1:.1f} ({t1_cpu:.1f}) | {tn:.1f} ({tn_cpu:.1f}) '
              f'| {tn / t1:.2f}x ({tn / t1 / n:.2f}) | {l1:.1f} ({l1_cpu:.1f}) | {ln:.1f} ({ln_cpu:.1f}) '
              f'| {ln / l1:.2f}x | {tn / ln:.2f}x |', flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    ap.add_argument('--build', default='build', help='meson build directory with bench/compile_bench (default: build)')
    ap.add_argument('--module', help='the real module to grow and shrink (default: SQLite, else all.wasm)')
    ap.add_argument('--sizes', default='10000,30000,100000,300000,1000000,2000000',
                    help='code-section sizes in bytes, comma-separated')
    ap.add_argument('--iterations', type=int, default=0, help='compiles per measurement (default: the tools\' own)')
    ap.add_argument('--tier', default='jit', choices=['jit', 'interp'], help='tern\'s tier (default: jit)')
    ap.add_argument('--threads', type=int, default=0,
                    help='compare eager compiles on one thread and on N, for each FILE as it is')
    ap.add_argument('files', nargs='*', help='with --threads: the modules (default: SQLite, Lua, all.wasm)')
    args = ap.parse_args()
    bench = os.path.join(args.build, 'bench', 'compile_bench')
    if not os.path.exists(bench):
        sys.exit(f'{bench} not found: build it first (ninja -C {args.build} bench/compile_bench)')
    node = os.environ.get('NODE', 'node')
    if args.threads:
        return threads_table(args, bench, node, [str(args.iterations)] if args.iterations > 0 else [])
    if args.files:
        sys.exit('FILE arguments go with --threads (the size sweep takes --module)')
    module = args.module or default_module(args.build)
    with open(module, 'rb') as f:
        secs, types, bodies = parse(f.read())
    iters = [str(args.iterations)] if args.iterations > 0 else []
    print(f'module {module}: {len(bodies)} functions, {sum(len(x) for x in bodies)} bytes of bodies')
    print(f'| code bytes | functions | tern {args.tier} MB/s | Liftoff MB/s | tern / Liftoff |')
    print('| ---: | ---: | ---: | ---: | ---: |')
    with tempfile.TemporaryDirectory(prefix='compile_scale.') as tmp:
        for target in (int(s) for s in args.sizes.split(',')):
            path = os.path.join(tmp, f'm{target}.wasm')
            data = synthesize(secs, types, bodies, target)
            with open(path, 'wb') as f:
                f.write(data)
            t_cpu, t_wall, code = throughput([bench, path, '--tier=' + args.tier] + (['--iterations'] + iters if iters else []))
            l_cpu, l_wall, _ = throughput([node] + NODE_COMPILE_FLAGS + [os.path.join(BENCH, 'node_compile.mjs'), path] +
                                          iters)
            nfuncs = len(parse(data)[2])
            print(f'| {code} | {nfuncs} | {t_cpu:.1f} ({t_wall:.1f}) | {l_cpu:.1f} ({l_wall:.1f}) | {t_cpu / l_cpu:.2f}x |',
                  flush=True)


if __name__ == '__main__':
    main()
