"""gen_shapes.py's expressions: the locals of a function (a slowly changing
"hot" set), and expression trees of every type: constants, operators,
conversions, loads at masked addresses, multi-value blocks, br_table with
a value and calls. FuncGen (gen_shapes.py) mixes this in."""
from shapes_base import ADDR_MASKS, FBIN, FCMP, FUN, IBIN, ICMP, IUN, LOADS, T, const_value


class ExprGen:
    """Locals and expressions of the function FuncGen generates."""

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
