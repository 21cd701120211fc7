"""bench/run.py's reports: the summary of a run's samples, the terminal and
Markdown tables, README.md's Performance section, the SVG chart, and
latest.json (written, and read back for --rerender)."""
import argparse
import json
import math
import os
import statistics
import sys

from runlib.common import NODE_COMPILE_FLAGS, Engine, geomean

COLORS = {
    'tern-jit': '#d9480f', 'tern-interp': '#f59f00', 'liftoff': '#495057', 'v8': '#1c7ed6',
    'native': '#2b8a3e', 'wasmtime': '#7048e8', 'wasmer': '#ae3ec9', 'wasm3': '#0c8599',
    'iwasm': '#c2255c', 'wabt': '#868e96', 'base-jit': '#ff8787', 'base-interp': '#ffd43b',
}


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
    simd = getattr(args, 'simd', False)
    L.append('# Benchmark results' + (': the SIMD set' if simd else ''))
    L.append('')
    L.append('Measured %s on %s (%s cores), %s; load average %.1f at the start, %.1f at the end.  ' %
             (info['date'], info['cpu'], info['cores'], info['os'], info['load_start'], info['load_end']))
    L.append('%s; node %s; native: %s%s; wasm: %s, `--target=wasm32-wasi %s`.  ' %
             (info['tern'], info.get('node', 'not found'), info['gcc'], ', `-O3 -march=x86-64-v2`' if simd else '',
              info['clang'], '-O3 -msimd128' if simd else '-O2'))
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
    if g_jit and simd:
        goals.append('SIMD set, tern jit geomean time / Liftoff: **%.2f** (goal of issue 12: at most 0.75): %s' %
                     (g_jit, 'met' if g_jit <= 0.75 else 'not met'))
    elif g_jit:
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
    elif not simd:
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
        L.append('## Goals of issue %s' % ('12' if simd else '3'))
        L.append('')
        for g in goals:
            L.append('- ' + g)
        L.append('')
    if have_lift and kernels:
        L.append('![Run time relative to Liftoff](%s.svg)' % ('simd-latest' if simd else 'latest'))
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
                              quick=raw.get('quick', False), simd=raw.get('simd', False))
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
                  raw=None, stem='latest'):
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, stem + '.md'), 'w') as f:
        f.write(markdown(info, args, kernels, engines, table, geo, problems, startup, compile_res, progs))
    svg = svg_chart(info, kernels, engines, table, geo)
    if svg:
        with open(os.path.join(out, stem + '.svg'), 'w') as f:
            f.write(svg)
    if raw is not None:
        with open(os.path.join(out, stem + '.json'), 'w') as f:
            json.dump(raw, f, indent=1)
            f.write('\n')
    print('wrote %s/%s.{md,svg%s}' % (os.path.relpath(out), stem, ',json' if raw is not None else ''))
