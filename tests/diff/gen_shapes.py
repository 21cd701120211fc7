#!/usr/bin/env python3
"""Random Wasm modules (as .wat) shaped like compiled C, for the tier diff test.

binaryen's -ttf and gen_exprs.py make small functions with shallow control
flow and few locals. Compiled C (Lua's interpreter loop, SQLite's VDBE,
zlib's inflate, bzip2) looks different, and the JIT's register cache of
locals and operand-stack values sees far more there: big functions, deep
block nesting, wide br_table dispatch loops, hundreds of locals, values live
across calls and loops. This generator makes those shapes, in the flat
(stack machine) text form compilers emit:

  interp   an interpreter loop: `block $exit (loop $disp (fuel check; br_if
           $exit) (block .. (block (br_table ...)) case 0 ..) case 1 ..))`,
           with up to several hundred table entries over up to ~60 cases;
           cases fall through, jump forward to other cases, re-dispatch
           with `br $disp` (often right after a call), leave with `br
           $exit`, or run inner loops that `br $disp` from inside;
  inflate  the same state machine with its state in memory (`s->mode`),
           inner copy loops and more calls per case;
  nest     20-60 nested blocks and ifs with code at every level and br_if /
           br_table to enclosing labels (goto-heavy and switch code);
  kernel   nested counted loops over memory: pointer walking, table
           lookups, mixed i32/i64/f32/f64 arithmetic;
  mixed    a bit of everything;
  helpers  small functions with up to 20 parameters and up to 6 results,
           some self-recursive with a bounded depth, called (directly and
           through call_indirect) from loops of the big ones.

Inside every function: loops of several forms (counter tested at the head,
so the exit is compiled before the back edge; at the bottom with code after
the back edge; a back edge inside an `if` with reads after the if; breaks
and continues from nested loops; `loop (result ..)`), `if`/`else` with and
without results, multi-value blocks and `br_if` carrying values, `br_table`
carrying a value, `local.tee` chains, `select`, deep and wide expression
trees (many values of mixed types on the operand stack at once), statements
inside expressions (a block with a result under pending operands), loads
and stores at computed addresses, a C-like stack pointer global with a
frame, global counters, memory.fill/copy. Locals are picked from a slowly
changing "hot" set, as in real code, so they stay cached in registers
across control flow. Function bodies are wrapped in `block $ret` (early
returns branch there, as compiled C does) and end by folding every local
into a checksum that is stored to memory, mixed into a global and returned,
so a wrong value anywhere is visible. A trace buffer records hashes of the
hot locals at points along the way.

Termination: every loop has its own counter local (one per loop depth,
written only by the loop's own code) bounded by a small constant or by a
masked value, and tested every iteration; branches back to a loop head are
only made to loops that test their counter at the head, or are the counter
test itself. Calls only go to lower-numbered functions or to the function
itself with a depth parameter tested against a constant. Each function has
a cost bound (loop iterations and calls, callees included) that keeps a call
well under diff_runner's fuel.

Traps: divisions get non-zero (and for signed ones, positive) divisors,
float-to-int truncations saturate or are clamped, addresses are masked into
the one page of memory. Rarely (a few modules) an unmasked address may go out
of bounds, so the state at a trap is compared too.

NaNs: the spec lets the payload and sign of a NaN an operator produces
differ, so NaNs are replaced by 0 before their bits can be seen: float
stores, reinterpretations, copysign's sign operand and the checksum.

Usage: gen_shapes.py [--scale F] [--coverage] SEED OUT.wat   (deterministic for a given SEED)
  --scale F    multiply function sizes by F (default 1.0)
  --coverage   count the statements run in an exported global $cov (to tune
               the generator: how much of each function runs)
"""

import random
import sys

T = ('i32', 'i64', 'f32', 'f64')

# Memory layout (one page, fixed size):
#   0x0000-0x7fff  data: a random data segment, then computed-address traffic
#   0x8000-0x8fff  the trace buffer (global $tr indexes it)
#   0x9000-0x9fff  per-function checksums, inflate-style state structs
#   0xa000-0xf000  the C stack ($sp grows down; frames of up to 256 bytes)
TRACE_BASE = 0x8000
SUM_BASE = 0x9000
STATE_BASE = 0x9800
SP_TOP = 0xf000
SP_LOW = 0xa000
# Masks for computed addresses: with offsets below 0x100 and accesses of at
# most 8 bytes, every one of them stays inside the page.
ADDR_MASKS = (0x7ff8, 0x3ffc, 0xfff, 0xff8, 0x1ff0, 0xfef8, 0x7fff, 0xfe00)
PTR_MASK = 0x7ff8

IBIN = ['add'] * 6 + ['sub'] * 4 + ['mul'] * 3 + ['and'] * 3 + ['or'] * 2 + ['xor'] * 3 + \
    ['shl', 'shr_s', 'shr_u', 'rotl', 'rotr', 'div_u', 'rem_u', 'div_s', 'rem_s']
ICMP = ['eq', 'ne', 'lt_s', 'lt_u', 'gt_s', 'gt_u', 'le_s', 'le_u', 'ge_s', 'ge_u']
FBIN = ['add'] * 4 + ['sub'] * 3 + ['mul'] * 3 + ['div', 'min', 'max', 'copysign']
FCMP = ['eq', 'ne', 'lt', 'gt', 'le', 'ge']
FUN = ['abs', 'neg', 'sqrt', 'ceil', 'floor', 'trunc', 'nearest']
IUN = {'i32': ['clz', 'ctz', 'popcnt', 'extend8_s', 'extend16_s'],
       'i64': ['clz', 'ctz', 'popcnt', 'extend8_s', 'extend16_s', 'extend32_s']}
LOADS = {
    'i32': [('i32.load', 4)] * 4 + [('i32.load8_s', 1), ('i32.load8_u', 1), ('i32.load16_s', 2),
                                    ('i32.load16_u', 2)],
    'i64': [('i64.load', 8)] * 3 + [('i64.load8_s', 1), ('i64.load8_u', 1), ('i64.load16_s', 2),
                                    ('i64.load16_u', 2), ('i64.load32_s', 4), ('i64.load32_u', 4)],
    'f32': [('f32.load', 4)],
    'f64': [('f64.load', 8)],
}
STORES = {
    'i32': [('i32.store', 4)] * 3 + [('i32.store8', 1), ('i32.store16', 2)],
    'i64': [('i64.store', 8)] * 3 + [('i64.store8', 1), ('i64.store16', 2), ('i64.store32', 4)],
    'f32': [('f32.store', 4)],
    'f64': [('f64.store', 8)],
}
FLOATS = ['0', '-0', '1', '-1', '0.5', '2', '3.75', '-2.5', '1e10', '-1e-10', '255.5', '4294967296',
          '-2147483648', '65536', '0.1', '1e30', '-1e30', 'inf', '-inf', '0x1p-149', '1.5e38', '100']


class Budget:
    """What a piece of code may still cost per execution, in statements run
    (loop iterations multiply, calls add their callee's cost)."""

    def __init__(self, n):
        self.left = n
        self.used = 0

    def take(self, n):
        self.left -= n
        self.used += n


class Label:
    def __init__(self, name, kind, types, cont_ok=False):
        self.name = name
        self.kind = kind      # block, loop, if, case, func
        self.types = types    # what a branch to it carries
        self.cont_ok = cont_ok  # loop: its head tests the counter, any branch there is fine


class Fn:
    def __init__(self, index, kind, params, results):
        self.index = index
        self.kind = kind
        self.params = params
        self.results = results
        self.cost = 1
        self.recursive = False
        self.type = None

    @property
    def name(self):
        return '$f%d' % self.index


def sig_text(params, results):
    return ''.join(' (param %s)' % p for p in params) + ''.join(' (result %s)' % r for r in results)


class Module:
    def __init__(self, seed, scale=1.0, coverage=False):
        self.rng = random.Random('tern-shapes:%s' % seed)
        self.scale = scale
        self.coverage = coverage
        self.funcs = []
        self.types = {}  # (params, results) -> name
        rng = self.rng
        # Rarely, unmasked addresses that may trap.
        self.oob_rate = 0.004 if rng.random() < 0.08 else 0.0
        self.globals = [('$sp', 'i32', str(SP_TOP)), ('$tr', 'i32', '0'), ('$sum', 'i64', '0')]
        for i in range(rng.randint(2, 8)):
            t = rng.choice(T + ('i32', 'i64'))
            self.globals.append(('$g%d' % i, t, const_value(rng, t)))
        self.cov_globals = [('$cov', 'i64', '0')] if coverage else []

    def type_of(self, params, results):
        key = (tuple(params), tuple(results))
        if key not in self.types:
            self.types[key] = '$t%d' % len(self.types)
        return self.types[key]

    def plan(self):
        rng = self.rng
        plan = []
        for _ in range(rng.randint(1, 5)):
            plan.append(rng.choice(['helper', 'helper', 'helper', 'rec']))
        bigs = rng.randint(1, 3)
        for _ in range(bigs):
            plan.append(rng.choice(['interp', 'interp', 'inflate', 'inflate', 'nest', 'kernel', 'mixed']))
        if rng.random() < 0.3:
            plan.append('mixed')  # a driver: calls the big ones
        return plan

    def text(self):
        rng = self.rng
        bodies = []
        for i, kind in enumerate(self.plan()):
            params, results = self.signature(kind)
            f = Fn(i, kind, params, results)
            f.type = self.type_of(params, results)
            self.funcs.append(f)
            bodies.append(FuncGen(self, f).generate())
        out = ['(module']
        for (params, results), name in sorted(self.types.items(), key=lambda kv: int(kv[1][2:])):
            out.append('  (type %s (func%s))' % (name, sig_text(params, results)))
        out.append('  (memory (export "memory") 1 1)')
        # Data: bytes, small words (for table lookups and next states), floats.
        for _ in range(rng.randint(1, 4)):
            at = rng.randrange(0, 0x7000, 8)
            n = rng.randint(16, 1024)
            kind = rng.random()
            if kind < 0.5:
                data = bytes(rng.getrandbits(8) for _ in range(n))
            else:
                data = bytes(rng.choice([0, 1, 2, 3, 4, 5, 7, 8, 15, 16, 31, 63, 64, 127, 128, 255])
                             for _ in range(n))
            out.append('  (data (i32.const %d) "%s")' % (at, ''.join('\\%02x' % b for b in data)))
        out.append('  (table %d funcref)' % len(self.funcs))
        out.append('  (elem (i32.const 0) %s)' % ' '.join(f.name for f in self.funcs))
        for name, t, v in self.globals + self.cov_globals:
            out.append('  (global %s (export "%s") (mut %s) (%s.const %s))' % (name, name[1:], t, t, v))
        out += bodies
        out.append(')')
        return '\n'.join(out) + '\n'

    def signature(self, kind):
        rng = self.rng

        def types(n):
            return [rng.choice(('i32', 'i32', 'i32', 'i64', 'i64', 'f32', 'f64', 'f64')) for _ in range(n)]
        if kind == 'helper':
            params = types(rng.choice([0, 1, 2, 3, 4, 5, 6, 8, 10, 12, 16, 20]))
            results = types(rng.choice([0, 1, 1, 1, 2, 2, 3, 4, 5, 6]))
        elif kind == 'rec':
            params = ['i32'] + types(rng.choice([0, 1, 2, 3, 5, 8]))
            results = types(rng.choice([1, 1, 2, 3]))
        else:
            params = types(rng.choice([0, 0, 1, 2, 3, 4, 6, 8, 12, 20]))
            results = types(rng.choice([0, 1, 1, 1, 2, 3]))
        return params, results


def const_value(rng, t):
    if t in ('i32', 'i64'):
        bits = 32 if t == 'i32' else 64
        p = rng.random()
        if p < 0.5:
            v = rng.choice([0, 1, 2, 3, 4, 7, 8, 15, 16, 31, 32, 63, 64, 100, 255, 256, 1000, 0xffff, 0x10000,
                            0x7fffffff, 0x80000000, 0xffffffff])
            if bits == 64 and rng.random() < 0.3:
                v = rng.choice([0x100000000, 0x123456789, 0x7fffffffffffffff, 0x8000000000000000,
                                0xfffffffffffffff0])
            if rng.random() < 0.25:
                v = -v
        elif p < 0.8:
            v = rng.randint(-300, 300)
        else:
            v = rng.getrandbits(bits)
        v &= (1 << bits) - 1
        if v >> (bits - 1):
            v -= 1 << bits
        return str(v)
    if rng.random() < 0.5:
        return rng.choice(FLOATS)
    return repr(round(rng.uniform(-1000, 1000), rng.randint(0, 4)))


class FuncGen:
    """Generates one function's body."""

    def __init__(self, mod, fn):
        self.mod = mod
        self.fn = fn
        self.rng = mod.rng
        self.lines = []
        self.indent = 2
        self.labels = []
        self.nlabel = 0
        self.loop_depth = 0
        self.rec_sites = 0
        self.nstmts = 0
        self.cmode = {}  # counter -> (counts up, bound)
        self.hot_stack = []
        self.b = Budget(0)

    # ---- output ----
    def emit(self, *instrs):
        for s in instrs:
            self.lines.append('  ' * self.indent + s)

    def open(self, opener, kind, types, branch_types=None, cont_ok=False):
        self.nlabel += 1
        name = '$l%d' % self.nlabel
        res = ' (result %s)' % ' '.join(types) if types else ''
        self.emit('%s %s%s' % (opener, name, res))
        self.indent += 1
        lab = Label(name, kind, types if branch_types is None else branch_types, cont_ok)
        self.labels.append(lab)
        return lab

    def close(self, lab):
        assert self.labels[-1] is lab
        self.labels.pop()
        self.indent -= 1
        self.emit('end')

    def else_(self):
        self.indent -= 1
        self.emit('else')
        self.indent += 1

    # ---- locals ----
    def setup_locals(self):
        rng = self.rng
        fn = self.fn
        big = fn.kind not in ('helper', 'rec')
        self.vars = {t: [] for t in T}
        self.decls = []
        for i, t in enumerate(fn.params):
            if fn.kind == 'rec' and i == 0:
                continue  # the depth parameter is read only
            self.vars[t].append('$p%d' % i)
        n = rng.randint(50, 300) if big else rng.randint(4, 40)
        n = max(4, int(n * min(1.0, self.mod.scale)))
        weights = [rng.random() + 0.2 for _ in T]
        weights[0] += 1.0  # C code: mostly int
        for i in range(n):
            t = rng.choices(T, weights)[0]
            self.decls.append(('$v%d' % i, t))
            self.vars[t].append('$v%d' % i)
        for t in T:
            if not self.vars[t]:
                self.decls.append(('$x_%s' % t, t))
                self.vars[t].append('$x_%s' % t)
        self.ptrs = ['$q%d' % i for i in range(rng.randint(1, 6 if big else 3))]
        self.decls += [(p, 'i32') for p in self.ptrs]
        self.decls += [('$k%d' % i, 'i32') for i in range(12)]
        self.decls += [('$nf', 'f32'), ('$nd', 'f64'), ('$fp', 'i32')]
        # Interleave declarations of different types, as compilers do (in
        # the text all locals are declared one by one, in this order).
        rng.shuffle(self.decls)
        self.hot = {}
        for t in T:
            self.hot[t] = rng.sample(self.vars[t], min(len(self.vars[t]), rng.randint(2, 10)))

    def push_hot(self, p):
        """With probability p, a new working set (keeping a few of the
        current one), as a loop body or a case of a switch uses its own
        temporaries: then locals cached before the loop are not read in it
        until later, which is where a loop head's register promises matter."""
        rng = self.rng
        saved = self.hot
        if rng.random() < p:
            self.hot = {}
            for t in T:
                new = rng.sample(self.vars[t], min(len(self.vars[t]), rng.randint(1, 8)))
                keep = rng.sample(saved[t], min(len(saved[t]), rng.choice([0, 0, 1, 2])))
                self.hot[t] = new + keep
        else:
            self.hot = {t: list(v) for t, v in saved.items()}
        return saved

    def pop_hot(self, saved):
        self.hot = saved

    def var(self, t):
        rng = self.rng
        hot = self.hot[t]
        if rng.random() < 0.04:  # the working set drifts
            hot[rng.randrange(len(hot))] = rng.choice(self.vars[t])
        if rng.random() < 0.82:
            return rng.choice(hot)
        return rng.choice(self.vars[t])

    def readable(self, t):
        """A local to read: a data local, sometimes a pointer, a live counter or a param."""
        rng = self.rng
        if t == 'i32':
            r = rng.random()
            if r < 0.08:
                return rng.choice(self.ptrs)
            if r < 0.14 and self.loop_depth:
                return '$k%d' % rng.randrange(self.loop_depth)
            if r < 0.16:
                return '$fp'
        if t == 'i32' and self.fn.kind == 'rec' and rng.random() < 0.05:
            return '$p0'
        return self.var(t)

    # ---- expressions ----
    def const(self, t):
        self.emit('%s.const %s' % (t, const_value(self.rng, t)))

    def leaf(self, t):
        r = self.rng.random()
        if r < 0.62:
            self.emit('local.get %s' % self.readable(t))
        elif r < 0.84:
            self.const(t)
        elif r < 0.93:
            g = [n for n, gt, _ in self.mod.globals if gt == t]
            if g:
                self.emit('global.get %s' % self.rng.choice(g))
            else:
                self.const(t)
        else:
            self.load(t, 99)

    def expr(self, t, d=0):
        """Emits code that pushes one value of type t."""
        rng = self.rng
        if d >= self.maxd or rng.random() < 0.3 + 0.1 * d:
            return self.leaf(t)
        r = rng.random()
        d1 = d + 1
        integer = t in ('i32', 'i64')
        if r < 0.34:
            if integer:
                op = rng.choice(IBIN)
                self.expr(t, d1)
                if op in ('div_u', 'rem_u', 'div_s', 'rem_s') and rng.random() < 0.3:
                    self.emit('%s.const %d' % (t, rng.choice([3, 7, 10, 16, 255, 1000, -5]
                                                             if op.endswith('_s') else [3, 7, 10, 16, 255, 1000])))
                else:
                    self.expr(t, d1)
                    if op in ('div_u', 'rem_u'):
                        self.emit('%s.const 1' % t, '%s.or' % t)
                    elif op in ('div_s', 'rem_s'):
                        self.emit('%s.const 65535' % t, '%s.and' % t, '%s.const 1' % t, '%s.or' % t)
                self.emit('%s.%s' % (t, op))
            else:
                op = rng.choice(FBIN)
                self.expr(t, d1)
                self.expr(t, d1)
                if op == 'copysign':
                    self.denan(t)
                self.emit('%s.%s' % (t, op))
        elif r < 0.44:
            if t == 'i32' and rng.random() < 0.5:
                self.cond(d1)
            elif integer:
                if rng.random() < 0.5:
                    self.expr(t, d1)
                    self.emit('%s.%s' % (t, rng.choice(IUN[t])))
                else:
                    a = rng.choice(T)
                    self.expr(a, d1)
                    self.convert_top(a, t)
            else:
                if rng.random() < 0.5:
                    self.expr(t, d1)
                    self.emit('%s.%s' % (t, rng.choice(FUN)))
                else:
                    a = rng.choice(T)
                    self.expr(a, d1)
                    self.convert_top(a, t)
        elif r < 0.52:
            self.expr(t, d1)
            self.expr(t, d1)
            self.cond(d1)
            self.emit('select' if rng.random() < 0.7 else 'select (result %s)' % t)
        elif r < 0.58:
            self.load(t, d1)
        elif r < 0.63:
            # local.tee chain
            self.expr(t, d1)
            for _ in range(rng.choice([1, 1, 1, 2, 3])):
                self.emit('local.tee %s' % self.var(t))
        elif r < 0.67:
            self.cond(d1)
            lab = self.open('if', 'if', [t])
            self.expr(t, d1)
            self.else_()
            self.expr(t, d1)
            self.close(lab)
        elif r < 0.70:
            # a value out of a block by br_if
            lab = self.open('block', 'block', [t])
            self.expr(t, d1)
            self.cond(d1)
            self.emit('br_if %s' % lab.name)
            self.emit('drop')
            self.expr(t, d1)
            self.close(lab)
        elif r < 0.72:
            self.br_table_value(t, d1)
        elif r < 0.78:
            if not self.call_expr(t, d1):
                self.leaf(t)
        elif r < 0.82 and d < 3:
            # statements under pending operands
            lab = self.open('block', 'block', [t])
            self.stmts(rng.randint(1, 3), simple=d > 0)
            self.expr(t, d1)
            self.close(lab)
        elif r < 0.88:
            self.wide(t, d1)
        elif r < 0.91:
            self.multi_value(t, d1)
        else:
            self.leaf(t)

    def expr_t(self, d):
        t = self.rng.choices(T, [5, 3, 1, 2])[0]
        self.expr(t, d)
        return t

    def convert_top(self, a, b):
        """Converts the value on top of the stack from type a to type b."""
        rng = self.rng
        if a == b:
            return
        sz = {'i32': 32, 'i64': 64, 'f32': 32, 'f64': 64}
        if sz[a] == sz[b] and rng.random() < 0.25:
            if a[0] == 'f':
                self.denan(a)
            self.emit('%s.reinterpret_%s' % (b, a))
            return
        if a == 'i32' and b == 'i64':
            self.emit(rng.choice(['i64.extend_i32_s', 'i64.extend_i32_u']))
        elif a == 'i64' and b == 'i32':
            self.emit('i32.wrap_i64')
        elif a[0] == 'i' and b[0] == 'f':
            self.emit('%s.convert_%s_%s' % (b, a, rng.choice('su')))
        elif a[0] == 'f' and b[0] == 'i':
            self.emit('%s.trunc_sat_%s_%s' % (b, a, rng.choice('su')))
        elif a == 'f32':
            self.emit('f64.promote_f32')
        else:
            self.emit('f32.demote_f64')

    def denan(self, t):
        """The float on top of the stack, or 0 if it is a NaN."""
        s = '$nf' if t == 'f32' else '$nd'
        self.emit('local.tee %s' % s, '%s.const 0' % t, 'local.get %s' % s, 'local.get %s' % s, '%s.eq' % t,
                  'select')

    def cond(self, d, bias=None):
        """Pushes an i32 condition (mostly a compare a JIT can fuse). bias
        'rare': mostly false (loop breaks, early exits: code after them
        should run); 'often': mostly true."""
        rng = self.rng
        if bias and rng.random() < 0.75:
            t = rng.choices(T, [6, 3, 1, 1])[0]
            self.expr(t, d + 2) if rng.random() < 0.4 else self.leaf(t)
            if t[0] == 'i':
                r = rng.random()
                if r < 0.6:
                    # against a value it is unlikely to hold
                    self.emit('%s.const %d' % (t, rng.choice([12345, -777, 0x5a5a5a5, 99991, -31])))
                    self.emit('%s.%s' % (t, 'eq' if bias == 'rare' else 'ne'))
                else:
                    self.emit('%s.const %d' % (t, rng.choice([-2147483640, -2000000000])))
                    self.emit('%s.%s' % (t, 'lt_s' if bias == 'rare' else 'gt_s'))
            else:
                self.emit('%s.const %s' % (t, rng.choice(['1e35', '3e38'])))
                self.emit('%s.%s' % (t, 'gt' if bias == 'rare' else 'lt'))
            return
        r = rng.random()
        if r < 0.55:
            t = rng.choices(T, [6, 3, 1, 1])[0]
            self.expr(t, d + 1) if rng.random() < 0.5 else self.leaf(t)
            if rng.random() < 0.5:
                self.const(t)
            else:
                self.expr(t, d + 1)
            self.emit('%s.%s' % (t, rng.choice(ICMP if t[0] == 'i' else FCMP)))
        elif r < 0.7:
            t = rng.choice(['i32', 'i64'])
            self.expr(t, d + 1)
            self.emit('%s.eqz' % t)
        elif r < 0.8:
            self.emit('local.get %s' % self.readable('i32'), 'i32.const %d' % rng.choice([1, 2, 4, 8, 16, 128]),
                      'i32.and')
        else:
            self.expr('i32', d + 1)

    def addr(self, d):
        """Pushes an address; returns the largest offset it allows."""
        rng = self.rng
        r = rng.random()
        if r < self.mod.oob_rate:
            self.expr('i32', d)  # anything
            return 0x100
        if r < 0.3:
            self.emit('local.get %s' % rng.choice(self.ptrs))
        elif r < 0.4:
            self.emit('i32.const %d' % (rng.randrange(0, 0x7f00) & ~7))
        elif r < 0.48:
            self.emit('local.get $fp')
        elif r < 0.6 and self.loop_depth:
            # p + i * size, like an array walk
            self.emit('local.get %s' % rng.choice(self.ptrs), 'local.get $k%d' % rng.randrange(self.loop_depth),
                      'i32.const %d' % rng.choice([0, 1, 2, 3]), 'i32.shl', 'i32.add',
                      'i32.const %d' % rng.choice(ADDR_MASKS), 'i32.and')
        else:
            self.expr('i32', d + 1)
            self.emit('i32.const %d' % rng.choice(ADDR_MASKS), 'i32.and')
        return 0xff

    def offset(self, limit, size):
        o = self.rng.choice([0, 0, 0, 4, 8, 16, 24, 32, 64, 100, 0xf0])
        o = min(o, limit)
        return o - o % size

    def load(self, t, d):
        op, size = self.rng.choice(LOADS[t])
        lim = self.addr(d)
        align = ' align=1' if size > 1 and self.rng.random() < 0.1 else ''
        self.emit('%s offset=%d%s' % (op, self.offset(lim, size), align))

    def br_table_value(self, t, d):
        rng = self.rng
        n = rng.randint(2, 5)
        labs = [self.open('block', 'block', [t]) for _ in range(n)]
        self.expr(t, d)
        self.expr('i32', d)
        targets = [rng.choice(labs).name for _ in range(rng.randint(0, 8))]
        self.emit('br_table %s %s' % (' '.join(targets), rng.choice(labs).name))
        for lab in reversed(labs):
            self.close(lab)
            if lab is not labs[0]:
                self.expr(t, d + 1)
                self.emit('%s.%s' % (t, rng.choice(['add', 'sub', 'xor'] if t[0] == 'i' else ['add', 'sub', 'mul'])))

    def combine(self, types, t):
        """Reduces the values of `types` on top of the stack to one value of t."""
        stack = list(types)
        while len(stack) > 1:
            a = stack.pop()
            b = stack[-1]
            self.convert_top(a, b)
            if b[0] == 'i':
                self.emit('%s.%s' % (b, self.rng.choice(['add', 'xor', 'sub', 'mul', 'or'])))
            else:
                self.emit('%s.%s' % (b, self.rng.choice(['add', 'sub', 'mul', 'min', 'max'])))
        self.convert_top(stack[0], t)

    def wide(self, t, d):
        """Many values of mixed types live on the operand stack at once."""
        types = []
        for _ in range(self.rng.randint(3, 14)):
            types.append(self.expr_t(d + 2) if self.rng.random() < 0.3 else self.leaf_t())
        self.combine(types, t)

    def leaf_t(self):
        t = self.rng.choices(T, [5, 3, 1, 2])[0]
        self.leaf(t)
        return t

    def multi_value(self, t, d):
        rng = self.rng
        types = [rng.choice(T) for _ in range(rng.randint(2, 4))]
        if rng.random() < 0.5:
            lab = self.open('block', 'block', types)
            for x in types:
                self.expr(x, d + 1)
            if rng.random() < 0.6:
                self.cond(d + 1)
                self.emit('br_if %s' % lab.name)
                for x in reversed(types):
                    self.emit('local.set %s' % self.var(x))
                for x in types:
                    self.expr(x, d + 1)
            self.close(lab)
        else:
            self.cond(d + 1)
            lab = self.open('if', 'if', types)
            for x in types:
                self.expr(x, d + 1)
            self.else_()
            for x in types:
                self.expr(x, d + 1)
            self.close(lab)
        self.combine(types, t)

    def callee(self, want=None):
        """A function this one may call within its budget (want: its first result type)."""
        rng = self.rng
        cands = [g for g in self.mod.funcs[:self.fn.index] if g.cost <= self.b.left and
                 (want is None or (g.results and g.results[0] == want))]
        if not cands:
            return None
        return rng.choice(cands)

    def args(self, g, d):
        for i, p in enumerate(g.params):
            if g.kind == 'rec' and i == 0:
                self.emit('i32.const %d' % self.rng.choice([0, 0, 0, 1, 2, 3]))
            elif self.rng.random() < 0.6:
                self.leaf(p)
            else:
                self.expr(p, d + 2)

    def call(self, g, d):
        self.args(g, d)
        r = self.rng.random()
        if r < 0.1:
            self.emit('i32.const %d' % g.index, 'call_indirect (type %s)' % g.type)
        elif r < 0.2:
            # a function pointer: one of the functions of the same type
            same = [h.index for h in self.mod.funcs[:self.fn.index] if h.type == g.type and h.cost <= g.cost]
            self.emit('i32.const %d' % g.index, 'i32.const %d' % self.rng.choice(same))
            self.cond(3)
            self.emit('select', 'call_indirect (type %s)' % g.type)
        else:
            self.emit('call %s' % g.name)
        self.b.take(g.cost)

    def call_expr(self, t, d):
        rng = self.rng
        g = self.callee(t if rng.random() < 0.6 else None)
        if g is None or not g.results:
            return False
        self.call(g, d)
        # Keep one result: store or fold the others.
        rest = g.results[1:]
        if rest and rng.random() < 0.5:
            self.combine(g.results, t)
        else:
            for x in reversed(rest):
                self.emit('local.set %s' % self.var(x))
            self.convert_top(g.results[0], t)
        return True

    # ---- statements ----
    def stmts(self, n, simple=False):
        for _ in range(n):
            if self.b.left <= 0 and self.loop_depth:
                break  # (outside loops a statement runs at most once a call)
            self.stmt(simple)

    def stmt(self, simple=False):
        rng = self.rng
        self.b.take(1)
        self.nstmts += 1
        if self.mod.coverage:
            self.emit('global.get $cov', 'i64.const 1', 'i64.add', 'global.set $cov')
        w = self.weights
        if simple or len(self.labels) > 70 or self.size_left() <= 0:
            w = dict((k, v) for k, v in w.items() if k in SIMPLE)
        keys = list(w)
        k = rng.choices(keys, [w[x] for x in keys])[0]
        getattr(self, 's_' + k)()

    def size_left(self):
        return self.size - len(self.lines)

    def s_set(self):
        t = self.rng.choices(T, [6, 3, 1, 2])[0]
        self.expr(t)
        self.emit('local.set %s' % self.var(t))

    def s_tee(self):
        rng = self.rng
        t = rng.choices(T, [6, 3, 1, 2])[0]
        self.expr(t)
        for _ in range(rng.randint(1, 4)):
            self.emit('local.tee %s' % self.var(t))
        if rng.random() < 0.5:
            self.expr(t, 1)
            self.emit('%s.%s' % (t, 'add' if t[0] == 'f' else rng.choice(['add', 'xor', 'and', 'sub'])))
        self.emit('local.set %s' % self.var(t))

    def s_ptr(self):
        """Pointer arithmetic: q = (q + k) & mask, or q = (expr) & mask."""
        rng = self.rng
        p = rng.choice(self.ptrs)
        if rng.random() < 0.6:
            self.emit('local.get %s' % rng.choice(self.ptrs),
                      'i32.const %d' % rng.choice([1, 2, 4, 8, 16, 24, -8, 100]), 'i32.add')
        else:
            self.expr('i32', 1)
        self.emit('i32.const %d' % PTR_MASK, 'i32.and', 'local.set %s' % p)

    def s_store(self):
        rng = self.rng
        t = rng.choices(T, [5, 3, 1, 2])[0]
        op, size = rng.choice(STORES[t])
        lim = self.addr(0)
        self.expr(t)
        if t[0] == 'f':
            self.denan(t)
        self.emit('%s offset=%d' % (op, self.offset(lim, size)))

    def s_global(self):
        rng = self.rng
        name, t, _ = rng.choice(self.mod.globals[1:])
        if rng.random() < 0.4:
            self.emit('global.get %s' % name)
            self.expr(t, 2)
            self.emit('%s.add' % t)
        else:
            self.expr(t)
        self.emit('global.set %s' % name)

    def s_if(self):
        rng = self.rng
        self.cond(0)
        lab = self.open('if', 'if', [])
        self.stmts(rng.randint(1, 4))
        if rng.random() < 0.5:
            self.else_()
            self.stmts(rng.randint(1, 3))
        self.close(lab)

    def s_ifres(self):
        rng = self.rng
        types = [rng.choice(T) for _ in range(rng.choice([1, 1, 2, 3]))]
        self.cond(0)
        lab = self.open('if', 'if', types)
        for branch in range(2):
            if branch:
                self.else_()
            if rng.random() < 0.4:
                self.stmts(rng.randint(1, 2), simple=True)
            if rng.random() < 0.2:
                # leave early with the values
                for x in types:
                    self.expr(x, 2)
                self.cond(2)
                self.emit('br_if %s' % lab.name)
                for x in reversed(types):
                    self.emit('local.set %s' % self.var(x))
            for x in types:
                self.expr(x, 1)
        self.close(lab)
        for x in reversed(types):
            self.emit('local.set %s' % self.var(x))

    def s_mv(self):
        t = self.rng.choice(T)
        self.multi_value(t, 1)
        self.emit('local.set %s' % self.var(t))

    def s_wide(self):
        t = self.rng.choice(T)
        self.wide(t, 1)
        self.emit('local.set %s' % self.var(t))

    def s_call(self):
        """A call, often with values live on the stack under its arguments."""
        rng = self.rng
        g = self.callee()
        if g is None:
            return self.s_set()
        under = []
        for _ in range(rng.choice([0, 0, 1, 2, 3])):
            under.append(self.leaf_t() if rng.random() < 0.6 else self.expr_t(2))
        self.call(g, 1)
        if under or (g.results and rng.random() < 0.3):
            t = rng.choice(T)
            self.combine(under + g.results, t)
            self.emit('local.set %s' % self.var(t))
            return
        mode = rng.random()
        for x in reversed(g.results):
            if mode < 0.8:
                self.emit('local.set %s' % self.var(x))
            else:
                self.emit('drop')

    def s_rec(self):
        """The function calls itself with depth + 1 (bounded by a constant)."""
        if not self.fn.recursive or self.loop_depth or self.rec_sites >= 2:
            return self.s_set()
        self.rec_sites += 1
        fn = self.fn
        self.emit('local.get $p0', 'i32.const @RECLIMIT@', 'i32.lt_u')
        lab = self.open('if', 'if', [])
        self.emit('local.get $p0', 'i32.const 1', 'i32.add')
        for p in fn.params[1:]:
            self.leaf(p) if self.rng.random() < 0.6 else self.expr(p, 2)
        self.emit('call %s' % fn.name)
        for x in reversed(fn.results):
            self.emit('local.set %s' % self.var(x))
        self.close(lab)

    def s_check(self):
        """Trace: a hash of some hot locals into the trace buffer."""
        rng = self.rng
        self.emit('global.get $tr', 'i32.const 4088', 'i32.and')
        types = []
        for _ in range(rng.randint(2, 8)):
            t = rng.choice(T)
            self.emit('local.get %s' % self.readable(t))
            if t[0] == 'f':
                self.denan(t)
            types.append(t)
        self.combine(types, 'i64')
        self.emit('i64.store offset=%d' % TRACE_BASE,
                  'global.get $tr', 'i32.const 8', 'i32.add', 'global.set $tr')

    def s_bulk(self):
        rng = self.rng
        self.expr('i32', 2)
        self.emit('i32.const 32752', 'i32.and')
        if rng.random() < 0.5:
            self.expr('i32', 2)
            self.emit('i32.const %d' % rng.randint(0, 256), 'memory.fill')
        else:
            self.expr('i32', 2)
            self.emit('i32.const 32752', 'i32.and', 'i32.const %d' % rng.randint(0, 256), 'memory.copy')

    def breakable(self):
        return [lab for lab in self.labels if not lab.types and (lab.kind != 'loop' or lab.cont_ok)]

    def s_break(self):
        """br_if (or br inside an if) to an enclosing label: out of nested
        loops, to a case, to the function's return block, or a continue."""
        rng = self.rng
        cands = self.breakable()
        if cands and cands[0].kind == 'func' and (len(cands) == 1 or rng.random() < 0.9):
            cands = cands[1:]  # returns are rarer (s_ret)
        if not cands:
            return self.s_set()
        # Mostly near labels, sometimes far ones.
        lab = cands[-1 - min(len(cands) - 1, int(rng.expovariate(0.5)))]
        if rng.random() < 0.7:
            self.cond(1, 'rare')
            self.emit('br_if %s' % lab.name)
        else:
            self.cond(1, 'rare')
            inner = self.open('if', 'if', [])
            self.stmts(rng.randint(0, 2), simple=True)
            self.emit('br %s' % lab.name)
            self.close(inner)

    def s_ret(self):
        if self.rng.random() < 0.7 or not self.fn.results:
            return self.s_break()
        self.cond(1, 'rare')
        lab = self.open('if', 'if', [])
        for t in self.fn.results:
            self.expr(t, 2)
        self.emit('return')
        self.close(lab)

    # -- loops --
    def trip(self):
        """Chooses a trip count that the budget allows, or None."""
        rng = self.rng
        left = self.b.left
        if left < 6:
            return None
        n = rng.choice([1, 2, 3, 4, 5, 6, 8, 10, 16, 20, 32, 50, 100])
        while n > 1 and left // n < 4:
            n //= 2
        return n

    def counter_init(self, k, n, up=None):
        """Sets up counter k for at most n iterations: counting down to 0,
        or up from 0 (or from a masked value) to n, as C for loops do."""
        rng = self.rng
        up = rng.random() < 0.4 if up is None else up
        self.cmode[k] = (up, n)
        mask = 1
        while mask * 2 <= n:
            mask *= 2
        data = n > 2 and rng.random() < 0.3
        if up:
            if data:
                # a data-dependent start below n
                self.expr('i32', 2)
                self.emit('i32.const %d' % (mask - 1), 'i32.and')
            else:
                self.emit('i32.const 0')
        elif data:
            # data dependent, still at most n
            self.expr('i32', 2)
            self.emit('i32.const %d' % (mask - 1), 'i32.and', 'i32.const 1', 'i32.add')
        else:
            self.emit('i32.const %d' % n)
        self.emit('local.set %s' % k)

    def head_exit(self, k, lab):
        """At a loop head: leave to lab when counter k is done, else count."""
        rng = self.rng
        up, n = self.cmode[k]
        self.emit('local.get %s' % k)
        if up:
            self.emit('i32.const %d' % n, rng.choice(['i32.ge_s', 'i32.ge_u', 'i32.eq']), 'br_if %s' % lab.name,
                      'local.get %s' % k, 'i32.const 1', 'i32.add', 'local.set %s' % k)
        else:
            if rng.random() < 0.5:
                self.emit('i32.eqz', 'br_if %s' % lab.name)
            else:
                self.emit('i32.const 0', 'i32.le_s', 'br_if %s' % lab.name)
            self.emit('local.get %s' % k, 'i32.const 1', 'i32.sub', 'local.set %s' % k)

    def enter_loop(self, n, share=None):
        parent = self.b
        # A share of what is left, so that code after the loop can still
        # have loops and calls.
        share = share or self.rng.choice([0.15, 0.25, 0.4, 0.6])
        self.b = Budget(max(1, int(parent.left * share) // n - 3))
        self.loop_depth += 1
        self.hot_stack.append(self.push_hot(0.5))
        return parent

    def leave_loop(self, parent, n):
        self.loop_depth -= 1
        self.pop_hot(self.hot_stack.pop())
        parent.take(n * (self.b.used + 3))
        self.b = parent

    def dec_test(self, k):
        """Counts counter k and pushes "go on" (non-zero while iterations are left)."""
        rng = self.rng
        r = rng.random()
        up, n = self.cmode[k]
        if up:
            self.emit('local.get %s' % k, 'i32.const 1', 'i32.add', 'local.tee %s' % k, 'i32.const %d' % n,
                      rng.choice(['i32.lt_s', 'i32.lt_u', 'i32.ne']))
            return
        self.emit('local.get %s' % k, 'i32.const 1', 'i32.sub')
        if r < 0.5:
            self.emit('local.tee %s' % k)
        elif r < 0.8:
            self.emit('local.tee %s' % k, 'i32.const 0', 'i32.gt_s')
        else:
            self.emit('local.tee %s' % k, 'i32.eqz', 'i32.eqz')

    def body(self, lo, hi):
        self.stmts(self.rng.randint(lo, hi))

    def s_loop(self):
        rng = self.rng
        if self.loop_depth >= 11:
            return self.s_set()
        n = self.trip()
        if n is None:
            return self.s_set()
        form = rng.choice(['bottom', 'bottom', 'head', 'head', 'ifback', 'middle', 'dowhile', 'result'])
        k = '$k%d' % self.loop_depth
        self.counter_init(k, n)
        parent = self.enter_loop(n)
        exit_lab = self.open('block', 'block', []) if form != 'result' or rng.random() < 0.5 else None
        if form == 'head' or form == 'middle':
            # the exit is compiled before the back edge
            lp = self.open('loop', 'loop', [], [], cont_ok=True)
            self.head_exit(k, exit_lab)
            self.body(1, 5)
            if form == 'middle':
                self.cond(1, 'rare')
                self.emit('br_if %s' % exit_lab.name)
                self.body(1, 3)
            self.emit('br %s' % lp.name)
            self.close(lp)
        elif form == 'ifback':
            # the back edge inside an if, reads after it
            lp = self.open('loop', 'loop', [], [])
            self.body(1, 4)
            self.dec_test(k)
            if rng.random() < 0.3:
                self.cond(1, 'often')
                self.emit('i32.and')
            if rng.random() < 0.3:
                self.emit('i32.eqz')
                lab = self.open('if', 'if', [])
                self.body(0, 2)
                self.else_()
                self.body(0, 2)
                self.emit('br %s' % lp.name)
                self.close(lab)
            else:
                lab = self.open('if', 'if', [])
                self.body(0, 3)
                self.emit('br %s' % lp.name)
                self.close(lab)
            self.body(1, 3)
            self.close(lp)
        elif form == 'result':
            types = [rng.choice(T)]
            lp = self.open('loop', 'loop', types, [])
            self.body(1, 4)
            self.expr(types[0], 1)
            self.dec_test(k)
            self.emit('br_if %s' % lp.name)
            self.close(lp)
            self.emit('local.set %s' % self.var(types[0]))
        else:
            lp = self.open('loop', 'loop', [], [])
            if rng.random() < 0.4:
                # continue: a block the body can leave to reach the test
                cont = self.open('block', 'block', [])
                self.body(1, 4)
                self.close(cont)
            else:
                self.body(1, 5)
            self.dec_test(k)
            if form == 'dowhile':
                self.cond(1, 'often')
                self.emit('i32.and')
            self.emit('br_if %s' % lp.name)
            if rng.random() < 0.5:
                self.body(1, 2)  # after the back edge, inside the loop
            self.close(lp)
        if exit_lab is not None:
            self.close(exit_lab)
        self.leave_loop(parent, n)
        if rng.random() < 0.3:
            self.s_check()

    def s_nested(self):
        """Two or three nested loops with breaks out of several levels and
        calls in the innermost one."""
        rng = self.rng
        if self.loop_depth >= 9:
            return self.s_set()
        levels = rng.randint(2, 3)
        opened = []
        for _ in range(levels):
            n = self.trip()
            if n is None:
                break
            k = '$k%d' % self.loop_depth
            self.counter_init(k, n)
            parent = self.enter_loop(n)
            ex = self.open('block', 'block', [])
            lp = self.open('loop', 'loop', [], [], cont_ok=True)
            self.head_exit(k, ex)
            self.body(0, 2)
            opened.append((parent, n, ex, lp))
        if not opened:
            return self.s_set()
        self.body(1, 3)
        if rng.random() < 0.7:
            self.s_call()
        # break out of all of them
        self.cond(1, 'rare')
        self.emit('br_if %s' % opened[0][2].name)
        self.body(0, 2)
        for parent, n, ex, lp in reversed(opened):
            self.emit('br %s' % lp.name)
            self.close(lp)
            self.close(ex)
            self.body(0, 1)
            self.leave_loop(parent, n)

    def cases_table(self, ncases, extra):
        """br_table targets: runs of the same case, as a switch over ranges."""
        rng = self.rng
        size = rng.choice([ncases, ncases + 3, 2 * ncases, 64, 100, 256, 300, 400])
        size = max(size, ncases)
        out = []
        while len(out) < size:
            run = rng.choice([1, 1, 1, 2, 3, 8])
            tgt = rng.choice(extra) if extra and rng.random() < 0.06 else rng.randrange(ncases)
            out += [tgt] * run
        return out[:size]

    def s_dispatch(self, in_memory=None):
        """An interpreter / state machine loop over a br_table."""
        rng = self.rng
        if self.loop_depth >= 10:
            return self.s_switch()
        if self.b.left < 12:
            return self.s_switch()
        n = self.rng.choice([3, 5, 8, 12, 16, 24, 40, 64])
        while n > 2 and self.b.left // n < 8:
            n //= 2
        if in_memory is None:
            in_memory = rng.random() < 0.3
        k = '$k%d' % self.loop_depth
        ncases = rng.choice([2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 60])
        ncases = max(2, min(ncases, self.size_left() // 12))
        state = self.var('i32')
        saddr = STATE_BASE + 16 * rng.randrange(32)
        self.counter_init(k, n, up=self.rng.random() < 0.3)
        if in_memory:
            self.emit('i32.const %d' % saddr, 'i32.const %d' % rng.randrange(ncases), 'i32.store')
        else:
            self.emit('i32.const %d' % rng.randrange(ncases), 'local.set %s' % state)
        parent = self.enter_loop(n, share=self.rng.choice([0.3, 0.5, 0.7]))
        ex = self.open('block', 'block', [])
        disp = self.open('loop', 'loop', [], [], cont_ok=True)
        # the exit, compiled before any back edge
        self.head_exit(k, ex)
        if rng.random() < 0.3:
            self.body(1, 2)
        cases = [self.open('block', 'case', []) for _ in range(ncases)]
        cases.reverse()  # cases[0] is the innermost block
        if in_memory:
            self.emit('i32.const %d' % saddr, 'i32.load')
        else:
            self.emit('local.get %s' % state)
        if rng.random() < 0.2:
            self.emit('i32.const %d' % rng.choice([7, 15, 31, 63, 255]), 'i32.and')
        table = self.cases_table(ncases, [disp.name, ex.name])
        names = [cases[i].name if isinstance(i, int) else i for i in table]
        default = rng.choice([cases[-1].name, ex.name, cases[rng.randrange(ncases)].name])
        self.emit('br_table %s %s' % (' '.join(names), default))
        # One iteration runs a case or a few (fallthrough, gotos): a case
        # may cost a third of the iteration's share.
        per_case = max(2, self.b.left // 3)
        total = self.b
        for i in range(ncases):
            self.close(cases[i])
            self.b = Budget(per_case)
            saved = self.push_hot(0.6)
            self.case_code(i, ncases, cases, disp, ex, state, saddr if in_memory else None)
            self.pop_hot(saved)
            total.take(self.b.used)
        self.b = total
        self.close(disp)
        self.close(ex)
        self.leave_loop(parent, n)
        if rng.random() < 0.5:
            self.s_check()

    def next_state(self, ncases, state, saddr):
        rng = self.rng
        r = rng.random()
        if saddr is not None:
            self.emit('i32.const %d' % saddr)
        if r < 0.4:
            self.emit('i32.const %d' % rng.randrange(ncases + 2))
        elif r < 0.6:
            self.emit('local.get %s' % state if saddr is None else 'i32.const %d' % saddr)
            if saddr is not None:
                self.emit('i32.load')
            self.emit('i32.const %d' % rng.choice([1, 1, 2, 3]), 'i32.add')
        elif r < 0.8:
            self.expr('i32', 2)
            self.emit('i32.const %d' % rng.choice([3, 7, 15, 31, 63, 255, 511]), 'i32.and')
        else:
            self.emit('i32.const %d' % rng.randrange(ncases), 'i32.const %d' % rng.randrange(ncases))
            self.cond(2)
            self.emit('select')
        if saddr is not None:
            self.emit('i32.store')
        else:
            self.emit('local.set %s' % state)

    def case_code(self, i, ncases, cases, disp, ex, state, saddr):
        rng = self.rng
        self.body(0, 3)
        r = rng.random()
        last = i == ncases - 1
        if r < 0.35:
            self.next_state(ncases, state, saddr)
            self.emit('br %s' % disp.name)
        elif r < 0.55:
            # a call, then back to the dispatch
            g = self.callee()
            if g is not None:
                self.call(g, 1)
                for x in reversed(g.results):
                    self.emit('local.set %s' % self.var(x))
            self.next_state(ncases, state, saddr)
            if rng.random() < 0.3:
                self.body(1, 1)
            self.emit('br %s' % disp.name)
        elif r < 0.65:
            # an inner loop that re-dispatches from inside
            self.s_inner_redispatch(disp, ncases, state, saddr)
            self.emit('br %s' % disp.name)
        elif r < 0.72:
            self.cond(1)
            self.emit('br_if %s' % disp.name)
            self.body(0, 1)
            if rng.random() < 0.5:
                self.emit('br %s' % ex.name)
        elif r < 0.8 and not last:
            # goto a later case
            j = rng.randrange(i + 1, ncases)
            self.emit('br %s' % cases[j].name)
        elif r < 0.85:
            self.emit('br %s' % ex.name)
        elif r < 0.92:
            self.next_state(ncases, state, saddr)
            self.cond(1)
            self.emit('br_if %s' % disp.name)
            self.body(0, 1)
            # then falls through to the next case
        # else: falls through to the next case (after the last: out of the loop)

    def s_inner_redispatch(self, disp, ncases, state, saddr):
        rng = self.rng
        n = self.trip()
        if n is None or self.loop_depth >= 11:
            return
        k = '$k%d' % self.loop_depth
        self.counter_init(k, n)
        parent = self.enter_loop(n)
        lp = self.open('loop', 'loop', [], [])
        self.body(1, 3)
        if rng.random() < 0.6:
            g = self.callee()
            if g is not None:
                self.call(g, 2)
                for x in reversed(g.results):
                    self.emit('local.set %s' % self.var(x))
        self.cond(1, 'rare' if rng.random() < 0.5 else None)
        br = self.open('if', 'if', [])
        self.next_state(ncases, state, saddr)
        self.emit('br %s' % disp.name)
        self.close(br)
        self.dec_test(k)
        self.emit('br_if %s' % lp.name)
        self.close(lp)
        self.leave_loop(parent, n)

    def s_switch(self):
        """A C switch: br_table over nested blocks, breaks and fallthrough."""
        rng = self.rng
        ncases = rng.choice([2, 3, 4, 5, 8, 12, 20])
        ncases = max(2, min(ncases, self.size_left() // 8 + 2))
        ex = self.open('block', 'block', [])
        cases = [self.open('block', 'case', []) for _ in range(ncases)]
        cases.reverse()
        self.expr('i32', 1)
        table = self.cases_table(ncases, [ex.name])
        names = [cases[i].name if isinstance(i, int) else i for i in table]
        self.emit('br_table %s %s' % (' '.join(names), rng.choice([ex.name, cases[-1].name])))
        for i in range(ncases):
            self.close(cases[i])
            self.body(0, 3)
            if rng.random() < 0.6:
                self.emit('br %s' % ex.name)
        self.close(ex)

    def s_nest(self):
        """20-60 nested blocks and ifs with code at each level and branches
        to enclosing labels."""
        rng = self.rng
        depth = rng.randint(20, 60)
        depth = min(depth, max(3, self.size_left() // 6), 70 - len(self.labels))
        if depth < 3:
            return self.s_set()
        opened = []
        for _ in range(depth):
            r = rng.random()
            if r < 0.6:
                opened.append((self.open('block', 'block', []), False))
            else:
                self.cond(1, 'often' if rng.random() < 0.8 else None)
                opened.append((self.open('if', 'if', []), rng.random() < 0.3))
            if rng.random() < 0.4:
                self.stmts(1, simple=True)
            if rng.random() < 0.15:
                self.s_break()
        self.body(1, 3)
        if rng.random() < 0.5:
            # a br_table to several enclosing levels
            labs = [lab for lab, _ in opened]
            targets = [rng.choice(labs).name for _ in range(rng.randint(2, 30))]
            self.expr('i32', 1)
            self.emit('br_table %s %s' % (' '.join(targets), rng.choice(labs).name))
        for lab, has_else in reversed(opened):
            if has_else:
                self.else_()
                self.stmts(rng.randint(1, 2), simple=True)
            self.close(lab)
            r = rng.random()
            if r < 0.35:
                self.stmts(1, simple=rng.random() < 0.7)
            elif r < 0.5:
                self.s_break()

    def s_kernel(self):
        """A loop nest over memory: loads through pointers and counters,
        arithmetic, stores back."""
        rng = self.rng
        if self.loop_depth >= 9:
            return self.s_set()
        levels = rng.randint(1, 3)
        opened = []
        for _ in range(levels):
            n = self.trip()
            if n is None:
                break
            k = '$k%d' % self.loop_depth
            self.counter_init(k, n)
            parent = self.enter_loop(n)
            lp = self.open('loop', 'loop', [], [])
            if rng.random() < 0.5:
                self.s_ptr()
            opened.append((parent, n, lp, k))
        if not opened:
            return self.s_set()
        for _ in range(rng.randint(2, 6)):
            r = rng.random()
            if r < 0.4:
                self.s_store()
            elif r < 0.7:
                self.s_set()
            elif r < 0.8:
                self.s_tee()
            elif r < 0.9:
                self.s_global()
            else:
                self.s_call()
        for parent, n, lp, k in reversed(opened):
            self.dec_test(k)
            self.emit('br_if %s' % lp.name)
            self.close(lp)
            if rng.random() < 0.3:
                self.stmts(1, simple=True)
            self.leave_loop(parent, n)

    # ---- the function ----
    def prologue(self):
        rng = self.rng
        size = rng.choice([16, 32, 64, 128, 256])
        self.frame = size
        # A stack check, then a frame below the C stack pointer.
        self.emit('global.get $sp', 'i32.const %d' % SP_LOW, 'i32.lt_u')
        self.emit('if', '  i32.const %d' % SP_TOP, '  global.set $sp', 'end')
        self.emit('global.get $sp', 'i32.const %d' % size, 'i32.sub', 'local.tee $fp', 'global.set $sp')
        for p in self.ptrs:
            if rng.random() < 0.5 and self.fn.params:
                i = rng.randrange(len(self.fn.params))
                if self.fn.params[i] == 'i32':
                    self.emit('local.get $p%d' % i, 'i32.const %d' % PTR_MASK, 'i32.and', 'local.set %s' % p)
                    continue
            self.emit('i32.const %d' % (rng.randrange(0, 0x7f00) & ~7), 'local.set %s' % p)
        # Some locals start from params and memory, as C code copies its
        # arguments and struct fields into locals.
        for _ in range(rng.randint(0, 8)):
            t = rng.choice(T)
            self.leaf(t)
            self.emit('local.set %s' % self.var(t))

    def fold(self):
        """Every local into one i64: stored, mixed into $sum, returned."""
        rng = self.rng
        fn = self.fn
        names = [('$p%d' % i, t) for i, t in enumerate(fn.params)] + self.decls
        names = [x for x in names if x[0] not in ('$nf', '$nd')]
        rng.shuffle(names)
        self.emit('i64.const %d' % rng.getrandbits(32))
        tree = rng.random() < 0.3
        pending = 0
        for n, t in names:
            self.emit('local.get %s' % n)
            if t[0] == 'f':
                self.denan(t)
            self.convert_fold(t)
            if tree and pending < 12 and rng.random() < 0.5:
                pending += 1  # leave it on the stack for now
                continue
            for _ in range(pending):
                self.emit('i64.xor')
            pending = 0
            self.emit('i64.xor', 'i64.const 1099511628211', 'i64.mul', 'i64.const %d' % rng.randint(5, 40),
                      'i64.rotl')
        for _ in range(pending):
            self.emit('i64.add')
        self.emit('local.set $h')

    def epilogue(self):
        rng = self.rng
        fn = self.fn
        self.fold()
        self.emit('i32.const %d' % (SUM_BASE + 8 * (fn.index % 256)), 'local.get $h', 'i64.store',
                  'global.get $sum', 'local.get $h', 'i64.xor', 'i64.const 31', 'i64.rotl', 'global.set $sum',
                  'local.get $fp', 'i32.const %d' % self.frame, 'i32.add', 'global.set $sp')
        for i, t in enumerate(fn.results):
            self.emit('local.get $h', 'i64.const %d' % rng.getrandbits(16), 'i64.const %d' % (i * 7), 'i64.rotr',
                      'i64.xor')
            if t == 'i32':
                self.emit('i32.wrap_i64')
            elif t != 'i64':
                self.emit('%s.convert_i64_s' % t)

    def convert_fold(self, t):
        if t == 'i32':
            self.emit('i64.extend_i32_u')
        elif t == 'f32':
            self.emit('i32.reinterpret_f32', 'i64.extend_i32_u')
        elif t == 'f64':
            self.emit('i64.reinterpret_f64')

    def generate(self):
        rng = self.rng
        fn = self.fn
        mod = self.mod
        kind = fn.kind
        self.setup_locals()
        self.maxd = rng.choice([1, 2, 2, 3, 3, 4, 6, 8])
        self.weights = dict(WEIGHTS[kind])
        big = kind not in ('helper', 'rec')
        if big:
            self.size = int(rng.choice([400, 800, 1500, 2500, 4000, 6000]) * mod.scale)
            limit = rng.choice([2000, 5000, 10000, 20000])
        else:
            self.size = int(rng.choice([20, 40, 80, 150, 300]) * mod.scale)
            limit = rng.choice([20, 50, 100, 300])
        if kind == 'rec':
            fn.recursive = True
            limit = rng.choice([10, 30, 60])
        self.b = Budget(limit)
        self.prologue()
        ret = self.open('block', 'func', [])
        # The function's signature shapes first, then anything.
        signature = {'interp': ['s_dispatch'], 'inflate': ['s_inflate'], 'nest': ['s_nest', 's_switch'],
                     'kernel': ['s_kernel', 's_nested'], 'mixed': [], 'helper': [], 'rec': ['s_rec']}[kind]
        self.stmts(rng.randint(1, 6))
        for s in signature:
            for _ in range(rng.randint(1, 2)):
                getattr(self, s)()
                self.stmts(rng.randint(0, 3))
        while self.size_left() > 0:
            self.stmt()
        self.close(ret)
        self.epilogue()
        body = self.lines
        cost = self.b.used + 2
        if fn.recursive:
            s = self.rec_sites
            klimit = 1
            for K in range(1, 7):
                total = sum(s ** i for i in range(K + 1)) * cost
                if total <= 4000:
                    klimit = K
            cost = sum(s ** i for i in range(klimit + 1)) * cost if s else cost
            body = [l.replace('@RECLIMIT@', str(klimit)) for l in body]
        fn.cost = cost
        return self.render(body)

    def render(self, body):
        fn = self.fn
        params = ' '.join('(param $p%d %s)' % (i, t) for i, t in enumerate(fn.params))
        results = ' '.join('(result %s)' % t for t in fn.results)
        head = '  (func %s (export "f%d") (type %s) %s %s' % (fn.name, fn.index, fn.type, params, results)
        decls = ['    (local %s %s)' % (n, t) for n, t in self.decls] + ['    (local $h i64)']
        note = '    ;; %s, %d locals, cost bound %d%s, %d statements' % (
            fn.kind, len(self.decls) + len(fn.params), fn.cost, ', recursive' if fn.recursive else '', self.nstmts)
        return '\n'.join([head.rstrip(), note] + decls + body + ['  )'])

    def s_inflate(self):
        return self.s_dispatch(in_memory=True)


SIMPLE = {'set', 'tee', 'store', 'global', 'ptr', 'check', 'call'}

_BASE = {'set': 14, 'tee': 4, 'ptr': 2, 'store': 8, 'global': 3, 'if': 6, 'ifres': 3, 'mv': 2, 'wide': 2,
         'call': 5, 'rec': 0, 'check': 2, 'bulk': 0.3, 'break': 3, 'ret': 0.3, 'loop': 5, 'nested': 1,
         'dispatch': 0.5, 'switch': 1, 'nest': 0.2, 'kernel': 1}
WEIGHTS = {
    'helper': dict(_BASE, dispatch=0, nest=0, nested=0.3, loop=3, kernel=0.5),
    'rec': dict(_BASE, dispatch=0, nest=0, nested=0, loop=2, kernel=0.3, rec=3),
    'interp': dict(_BASE, dispatch=1.5, call=6),
    'inflate': dict(_BASE, dispatch=1, loop=6, call=6),
    'nest': dict(_BASE, nest=1.5, switch=3, **{'if': 10}),
    'kernel': dict(_BASE, kernel=5, loop=7, nested=2, store=12),
    'mixed': dict(_BASE, dispatch=1, nest=0.5, nested=2, call=8),
}


def main():
    argv = sys.argv[1:]
    scale = 1.0
    coverage = False
    while argv and argv[0].startswith('--'):
        if argv[0] == '--scale' and len(argv) >= 2:
            scale = float(argv[1])
            argv = argv[2:]
        elif argv[0] == '--coverage':
            coverage = True
            argv = argv[1:]
        else:
            break
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    text = Module(argv[0], scale, coverage).text()
    with open(argv[1], 'w') as f:
        f.write(text)
    return 0


if __name__ == '__main__':
    sys.exit(main())
