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

The code: this file (the module, the statements and the function around
them), shapes_base.py (types, memory layout, operators, the cost budget),
shapes_exprs.py (locals and expressions) and shapes_control.py (loops,
dispatch loops, switches, nests and kernels); FuncGen mixes in the last two.
"""

import random
import sys

from shapes_base import PTR_MASK, SP_LOW, SP_TOP, STORES, SUM_BASE, T, TRACE_BASE, Budget, Fn, Label, const_value, sig_text
from shapes_control import ControlGen
from shapes_exprs import ExprGen


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


class FuncGen(ExprGen, ControlGen):
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
