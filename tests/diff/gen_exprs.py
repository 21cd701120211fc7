#!/usr/bin/env python3
"""Random Wasm modules (as .wat) whose computed values are observable.

A second generator for the tier differential test, next to binaryen's
translate-to-fuzz. -ttf modules drop or overwrite most of the values they
compute, so a JIT that computes a wrong value rarely shows it. Here every
function is a random sequence of statements over its params, locals,
globals and one page of memory (stores, loops with counters, if/else,
br_table, multi-value blocks, calls and call_indirect to lower-numbered
functions, bulk memory) followed by random expression trees for its
results, which diff_runner compares; locals feed later expressions and
stores land in the hashed memory.

Expression trees use every numeric operator of Wasm 2.0 (MVP, sign
extension, saturating truncation), selects, if/else and block results,
br_if carrying values, local.tee, loads of every width, memory.size/grow.
Divisions, truncations and loads may trap, on purpose but not often.

NaNs: the spec lets a NaN an operator produces have any payload and sign,
so the tiers may differ there. NaNs flow freely through arithmetic,
comparisons and results (diff_runner compares NaN results as "NaN"), but
are replaced by 0 before an operation could expose their bits: reinterpret,
copysign's sign operand, and most float stores (diff_runner also accepts
memories that differ only in NaN bytes).

Usage: gen_exprs.py [--no-block-params] SEED OUT.wat    (deterministic for a given SEED)
  --no-block-params   no blocks, ifs or loops with parameters (binaryen 108,
                      which run_diff.py uses to optimize some modules, cannot
                      read them)
"""

import random
import struct
import sys

T = ['i32', 'i64', 'f32', 'f64']


def interesting_int(rng, bits):
    m = (1 << bits) - 1
    pick = rng.random()
    if pick < 0.5:
        v = rng.choice([0, 1, 2, 3, 7, 8, 15, 16, 31, 32, 33, 63, 64, 255, 256, 0xffff, 0x10000,
                        bits - 1, (1 << (bits - 1)) - 1, 1 << (bits - 1), m, m - 1, 0x7f, 0x80])
        if bits == 64 and rng.random() < 0.4:
            # constants that do not fit a sign-extended 32-bit immediate
            v = rng.choice([0x80000000, 0xffffffff, 0x100000000, 0x7fffffff, 0xffffffff80000000,
                            0x123456789, 0x8000000000000001])
        if rng.random() < 0.3:
            v = -v
    elif pick < 0.8:
        v = rng.randint(-1000, 1000)
    else:
        v = rng.getrandbits(bits)
    v &= m
    if v >> (bits - 1):
        v -= 1 << bits
    return str(v)


def interesting_float(rng, t):
    pick = rng.random()
    if pick < 0.45:
        s = rng.choice(['0', '-0', '1', '-1', '0.5', '-0.5', '2', '3.75', '1e10', '-1e-10', '255.5',
                        '4294967296', '-2147483648', '2147483647.5', '9223372036854775807', '0x1p-149',
                        'inf', '-inf', '65536', '-65535.25', '1.5e38', '0.1'])
        if t == 'f64' and rng.random() < 0.3:
            s = rng.choice(['1e300', '-1e-300', '0x1p-1074', '18446744073709551616', '4.5e15'])
        return s
    if pick < 0.5:
        return rng.choice(['nan', '-nan', 'nan:0x200000'] if t == 'f32' else ['nan', '-nan', 'nan:0x4000000000000'])
    if pick < 0.8:
        return repr(round(rng.uniform(-1000, 1000), rng.randint(0, 3)))
    # random bits, as hex float through struct
    if t == 'f32':
        b = rng.getrandbits(32)
        f = struct.unpack('<f', struct.pack('<I', b))[0]
    else:
        b = rng.getrandbits(64)
        f = struct.unpack('<d', struct.pack('<Q', b))[0]
    if f != f or f in (float('inf'), float('-inf')):
        return '1.25'
    return f.hex()


UNARY = {
    'i32': [('i32.clz', 'i32'), ('i32.ctz', 'i32'), ('i32.popcnt', 'i32'), ('i32.eqz', 'i32'),
            ('i32.extend8_s', 'i32'), ('i32.extend16_s', 'i32'), ('i64.eqz', 'i64'), ('i32.wrap_i64', 'i64'),
            ('i32.trunc_f32_s', 'f32'), ('i32.trunc_f32_u', 'f32'), ('i32.trunc_f64_s', 'f64'),
            ('i32.trunc_f64_u', 'f64'), ('i32.trunc_sat_f32_s', 'f32'), ('i32.trunc_sat_f32_u', 'f32'),
            ('i32.trunc_sat_f64_s', 'f64'), ('i32.trunc_sat_f64_u', 'f64'), ('i32.reinterpret_f32', 'f32')],
    'i64': [('i64.clz', 'i64'), ('i64.ctz', 'i64'), ('i64.popcnt', 'i64'), ('i64.extend8_s', 'i64'),
            ('i64.extend16_s', 'i64'), ('i64.extend32_s', 'i64'), ('i64.extend_i32_s', 'i32'),
            ('i64.extend_i32_u', 'i32'), ('i64.trunc_f32_s', 'f32'), ('i64.trunc_f32_u', 'f32'),
            ('i64.trunc_f64_s', 'f64'), ('i64.trunc_f64_u', 'f64'), ('i64.trunc_sat_f32_s', 'f32'),
            ('i64.trunc_sat_f32_u', 'f32'), ('i64.trunc_sat_f64_s', 'f64'), ('i64.trunc_sat_f64_u', 'f64'),
            ('i64.reinterpret_f64', 'f64')],
    'f32': [('f32.abs', 'f32'), ('f32.neg', 'f32'), ('f32.ceil', 'f32'), ('f32.floor', 'f32'),
            ('f32.trunc', 'f32'), ('f32.nearest', 'f32'), ('f32.sqrt', 'f32'), ('f32.convert_i32_s', 'i32'),
            ('f32.convert_i32_u', 'i32'), ('f32.convert_i64_s', 'i64'), ('f32.convert_i64_u', 'i64'),
            ('f32.demote_f64', 'f64'), ('f32.reinterpret_i32', 'i32')],
    'f64': [('f64.abs', 'f64'), ('f64.neg', 'f64'), ('f64.ceil', 'f64'), ('f64.floor', 'f64'),
            ('f64.trunc', 'f64'), ('f64.nearest', 'f64'), ('f64.sqrt', 'f64'), ('f64.convert_i32_s', 'i32'),
            ('f64.convert_i32_u', 'i32'), ('f64.convert_i64_s', 'i64'), ('f64.convert_i64_u', 'i64'),
            ('f64.promote_f32', 'f32'), ('f64.reinterpret_i64', 'i64')],
}
INT_BIN = ['add', 'sub', 'mul', 'div_s', 'div_u', 'rem_s', 'rem_u', 'and', 'or', 'xor', 'shl', 'shr_s',
           'shr_u', 'rotl', 'rotr']
INT_CMP = ['eq', 'ne', 'lt_s', 'lt_u', 'gt_s', 'gt_u', 'le_s', 'le_u', 'ge_s', 'ge_u']
FLT_BIN = ['add', 'sub', 'mul', 'div', 'min', 'max', 'copysign']
FLT_CMP = ['eq', 'ne', 'lt', 'gt', 'le', 'ge']
LOADS = {
    'i32': [('i32.load', 4), ('i32.load8_s', 1), ('i32.load8_u', 1), ('i32.load16_s', 2), ('i32.load16_u', 2)],
    'i64': [('i64.load', 8), ('i64.load8_s', 1), ('i64.load8_u', 1), ('i64.load16_s', 2), ('i64.load16_u', 2),
            ('i64.load32_s', 4), ('i64.load32_u', 4)],
    'f32': [('f32.load', 4)],
    'f64': [('f64.load', 8)],
}
STORES = {
    'i32': [('i32.store', 4), ('i32.store8', 1), ('i32.store16', 2)],
    'i64': [('i64.store', 8), ('i64.store8', 1), ('i64.store16', 2), ('i64.store32', 4)],
    'f32': [('f32.store', 4)],
    'f64': [('f64.store', 8)],
}


class Func:
    def __init__(self, index, params, results):
        self.index = index
        self.params = params
        self.results = results

    def sig(self):
        s = ''.join(' (param %s)' % p for p in self.params)
        s += ''.join(' (result %s)' % r for r in self.results)
        return s


class Gen:
    def __init__(self, seed, block_params=True):
        self.rng = random.Random('tern-exprs:%s' % seed)
        self.block_params = block_params
        self.funcs = []
        self.globals = []  # types, all mutable
        self.label = 0

    def new_label(self):
        self.label += 1
        return '$L%d' % self.label

    # ---- expressions ----
    def const(self, t):
        if t in ('i32', 'i64'):
            return '(%s.const %s)' % (t, interesting_int(self.rng, 32 if t == 'i32' else 64))
        return '(%s.const %s)' % (t, interesting_float(self.rng, t))

    def addr(self, size, depth):
        r = self.rng.random()
        if r < 0.003:  # anything: likely out of bounds
            return self.expr('i32', depth + 1)
        if r < 0.01:  # at the end of memory, maybe straddling it
            return '(i32.sub (i32.mul (memory.size) (i32.const 65536)) (i32.const %d))' % self.rng.randint(0, 16)
        if r < 0.3:
            return '(i32.const %d)' % (self.rng.randrange(0, 256) * size)
        mask = self.rng.choice([0xff, 0xfff, 0x7ff8, 0x7fc0])
        return '(i32.and %s (i32.const %d))' % (self.expr('i32', depth + 1), mask)

    def mem_offset(self):
        if self.rng.random() < 0.002:  # past any guard region, or past 4 GiB with the address
            return self.rng.choice([65536, 0x7ffffff0, 0x80000000, 0xfffffff0, 0xffffffff])
        return self.rng.choice([0, 0, 0, 1, 2, 4, 8, 16, 100])

    def expr(self, t, depth=0):
        rng = self.rng
        f = self.cur
        if depth >= self.max_depth or rng.random() < 0.15 + 0.1 * depth:
            r = rng.random()
            locs = [n for n, lt in f.locals if lt == t]
            if r < 0.45 and locs:
                return '(local.get %s)' % rng.choice(locs)
            gl = [i for i, gt in enumerate(self.globals) if gt == t]
            if r < 0.55 and gl:
                return '(global.get $g%d)' % rng.choice(gl)
            return self.const(t)
        r = rng.random()
        d = depth + 1
        if r < 0.30:
            if t in ('i32', 'i64'):
                op = rng.choice(INT_BIN)
                a, b = self.expr(t, d), self.expr(t, d)
                constant = b.startswith('(%s.const ' % t)
                if op.startswith(('div', 'rem')) and (b == '(%s.const 0)' % t or not constant) and \
                        rng.random() < 0.985:
                    b = '(%s.or %s (%s.const 1))' % (t, b, t)  # mostly no division by zero
                return '(%s.%s %s %s)' % (t, op, a, b)
            op = rng.choice(FLT_BIN)
            a, b = self.expr(t, d), self.expr(t, d)
            if op == 'copysign':
                b = self.denan(t, b)
            return '(%s.%s %s %s)' % (t, op, a, b)
        if r < 0.45:
            op, at = rng.choice(UNARY[t])
            x = self.expr(at, d)
            if 'reinterpret_f' in op:
                x = self.denan(at, x)
            if 'trunc_f' in op and 'sat' not in op and rng.random() < 0.98:
                # Keep most trapping truncations in range.
                x = self.denan(at, x)
                if op.endswith('_u'):
                    x = '(%s.min (%s.abs %s) (%s.const 1000))' % (at, at, x, at)
                else:
                    x = '(%s.min (%s.max %s (%s.const -1000)) (%s.const 1000))' % (at, at, x, at, at)
            return '(%s %s)' % (op, x)
        if r < 0.53 and t == 'i32':
            ct = rng.choice(T)
            if ct in ('i32', 'i64'):
                return '(%s.%s %s %s)' % (ct, rng.choice(INT_CMP), self.expr(ct, d), self.expr(ct, d))
            return '(%s.%s %s %s)' % (ct, rng.choice(FLT_CMP), self.expr(ct, d), self.expr(ct, d))
        if r < 0.60:
            return '(select %s %s %s)' % (self.expr(t, d), self.expr(t, d), self.expr('i32', d))
        if r < 0.66:
            return '(if (result %s) %s (then %s) (else %s))' % (t, self.cond(d), self.expr(t, d), self.expr(t, d))
        if r < 0.71:
            lab = self.new_label()
            return '(block %s (result %s) (drop (br_if %s %s %s)) %s)' % (lab, t, lab, self.expr(t, d),
                                                                          self.cond(d), self.expr(t, d))
        if r < 0.79:
            op, size = rng.choice(LOADS[t])
            return '(%s offset=%d %s)' % (op, self.mem_offset(), self.addr(size, d))
        if r < 0.84:
            locs = [n for n, lt in f.locals if lt == t]
            if locs:
                return '(local.tee %s %s)' % (rng.choice(locs), self.expr(t, d))
        if r < 0.90:
            callees = [g for g in self.funcs[:f.index] if g.results == [t]]
            if callees:
                g = rng.choice(callees)
                args = ' '.join(self.expr(p, d) for p in g.params)
                if rng.random() < 0.3:
                    return '(call_indirect (type $t%d) %s (i32.const %d))' % (g.index, args, g.index)
                return '(call $f%d %s)' % (g.index, args)
        if r < 0.92 and t == 'i32':
            if rng.random() < 0.2:
                return '(memory.grow (i32.const %d))' % rng.choice([0, 1, 1, 2, 100000])
            return '(memory.size)'
        if r < 0.935:
            # statements in the middle of an expression: they may write the
            # locals, globals and memory that sibling operands already read
            return '(block (result %s) %s %s)' % (t, self.stmts(3, 2), self.expr(t, d))
        if r < 0.945:
            # br_table carrying a value out of one of several blocks
            labs = [self.new_label() for _ in range(rng.randint(1, 3))]
            targets = ' '.join(rng.choice(labs) for _ in range(rng.randint(0, 4)))
            s = '(br_table %s %s %s %s)' % (targets, labs[0], self.expr(t, d), self.expr('i32', d))
            for lab in labs:
                s = '(block %s (result %s) %s)' % (lab, t, s)
            return s
        if r < 0.955 and self.block_params:
            # blocks, ifs and loops with parameters
            k = rng.random()
            if k < 0.6:
                op, pt = rng.choice(UNARY[t])
                op2, pt2 = rng.choice([u for u in UNARY[t] if u[1] == pt])
                if 'trunc_f' in op + op2 and 'sat' not in op + op2:
                    return self.const(t)
                x = self.expr(pt, d)
                if pt in ('f32', 'f64') and 'reinterpret' in op + op2:
                    x = self.denan(pt, x)
                # (wrapped in a block: every expression is one s-expression)
                if k < 0.3:
                    return '(block (result %s) %s (block (param %s) (result %s) (%s)))' % (t, x, pt, t, op)
                return '(block (result %s) %s (if (param %s) (result %s) %s (then (%s)) (else (%s))))' % (
                    t, x, pt, t, self.cond(d), op, op2)
            cnt = self.counter()
            if cnt is None:
                return self.const(t)
            self.busy.add(cnt)
            lab = self.new_label()
            acc = rng.choice([n for n, lt in f.locals if lt == t])
            init, step = self.expr(t, d), self.expr(t, d)
            self.busy.discard(cnt)
            return ('(block (result %s) (local.set %s (i32.const %d)) %s (loop %s (param %s) (result %s) '
                    '(local.set %s) (local.set %s %s) (local.get %s) '
                    '(br_if %s (local.tee %s (i32.sub (local.get %s) (i32.const 1))))))') % (
                t, cnt, rng.randint(1, 6), init, lab, t, t, acc, acc, step, acc, lab, cnt, cnt)
        if r < 0.96:
            # a value computed in a loop
            cnt = self.counter()
            if cnt is None:
                return self.const(t)
            self.busy.add(cnt)
            lab = self.new_label()
            acc = rng.choice([n for n, lt in f.locals if lt == t])
            body = self.expr(t, d)
            self.busy.discard(cnt)
            return ('(block (result %s) (local.set %s (i32.const %d)) (loop %s (local.set %s %s) '
                    '(br_if %s (local.tee %s (i32.sub (local.get %s) (i32.const 1))))) (local.get %s))') % (
                t, cnt, rng.randint(1, 6), lab, acc, body, lab, cnt, cnt, acc)
        return self.expr(t, depth + 1) if depth + 1 < self.max_depth else self.const(t)

    def denan(self, t, x):
        """x, or 0 if x is a NaN. A NaN an operator makes may have any payload
        and sign, and the tiers need not agree on them: reinterpreting it as
        an integer, or copying its sign, would expose the difference (stored
        NaNs are compared as NaNs by diff_runner)."""
        return '(select (%s.const 0) (local.tee $nan_%s %s) (%s.ne (local.get $nan_%s) (local.get $nan_%s)))' % (
            t, t, x, t, t, t)

    def cond(self, depth):
        # Mostly a comparison, which a JIT may fuse with the branch.
        if self.rng.random() < 0.6 and depth < self.max_depth:
            ct = self.rng.choice(T)
            ops = INT_CMP if ct in ('i32', 'i64') else FLT_CMP
            if ct in ('i32', 'i64') and self.rng.random() < 0.2:
                return '(%s.eqz %s)' % (ct, self.expr(ct, depth + 1))
            return '(%s.%s %s %s)' % (ct, self.rng.choice(ops), self.expr(ct, depth + 1), self.expr(ct, depth + 1))
        return self.expr('i32', depth)

    def counter(self):
        for c in self.cur.counters:
            if c not in self.busy:
                return c
        return None

    # ---- statements ----
    def stmt(self, depth=0):
        rng = self.rng
        f = self.cur
        r = rng.random()
        if depth > 2:
            r = r * 0.5
        if r < 0.22:
            n, lt = rng.choice(f.locals)
            return '(local.set %s %s)' % (n, self.expr(lt, 0))
        if r < 0.32 and self.globals:
            i = rng.randrange(len(self.globals))
            return '(global.set $g%d %s)' % (i, self.expr(self.globals[i], 0))
        if r < 0.50:
            t = rng.choice(T)
            op, size = rng.choice(STORES[t])
            a, v = self.addr(size, 0), self.expr(t, 0)
            if t in ('f32', 'f64') and rng.random() < 0.85:
                v = self.denan(t, v)  # a later integer load of these bytes would see the NaN's bits
            return '(%s offset=%d %s %s)' % (op, self.mem_offset(), a, v)
        if r < 0.56:
            return '(drop %s)' % self.expr(rng.choice(T), 0)
        if r < 0.64:
            return '(if %s (then %s) (else %s))' % (self.cond(1), self.stmts(depth + 1, 3), self.stmts(depth + 1, 2))
        if r < 0.74:
            cnt = self.counter()
            if cnt is None:
                return '(nop)'
            self.busy.add(cnt)
            lab = self.new_label()
            out = self.new_label()
            body = self.stmts(depth + 1, 4)
            exit_test = '(br_if %s %s)' % (out, self.cond(2)) if rng.random() < 0.3 else ''
            self.busy.discard(cnt)
            return ('(local.set %s (i32.const %d)) (block %s (loop %s %s %s '
                    '(br_if %s (local.tee %s (i32.sub (local.get %s) (i32.const 1))))))') % (
                cnt, rng.randint(1, 8), out, lab, body, exit_test, lab, cnt, cnt)
        if r < 0.80:
            labs = [self.new_label() for _ in range(rng.randint(2, 4))]
            targets = ' '.join(rng.choice(labs) for _ in range(rng.randint(1, 5)))
            inner = '(br_table %s %s %s)' % (targets, labs[-1], self.expr('i32', 1))
            s = inner
            for lab in labs:
                s = '(block %s %s) %s' % (lab, s, self.stmts(depth + 1, 1))
            return s
        if r < 0.85:
            # multi-value block, taken apart by local.sets
            ts = [rng.choice(T) for _ in range(rng.randint(2, 3))]
            tgt = []
            for t in ts:
                locs = [n for n, lt in f.locals if lt == t]
                tgt.append(rng.choice(locs))
            vals = ' '.join(self.expr(t, 1) for t in ts)
            sets = ' '.join('(local.set %s)' % n for n in reversed(tgt))
            return '(block (result %s) %s) %s' % (' '.join(ts), vals, sets)
        if r < 0.90:
            callees = self.funcs[:f.index]
            if callees:
                g = rng.choice(callees)
                args = ' '.join(self.expr(p, 1) for p in g.params)
                call = '(call $f%d %s)' % (g.index, args)
                if rng.random() < 0.3:
                    call = '(call_indirect (type $t%d) %s (i32.const %d))' % (g.index, args, g.index)
                locs = []
                for t in g.results:
                    locs.append(rng.choice([n for n, lt in f.locals if lt == t]))
                return call + ' ' + ' '.join('(local.set %s)' % n for n in reversed(locs))
        if r < 0.92:
            # an early return from inside nested control
            vals = ' '.join(self.expr(t, 2) for t in f.results)
            return '(if %s (then (return %s)))' % (self.cond(1), vals)
        if r < 0.922:
            return '(if %s (then (unreachable)))' % self.cond(1)
        if r < 0.95:
            op = rng.choice(['memory.fill', 'memory.copy'])
            n = rng.choice([0, 1, 4, 7, 16, 33])
            if op == 'memory.fill':
                return '(memory.fill %s %s (i32.const %d))' % (self.addr(1, 1), self.expr('i32', 2), n)
            return '(memory.copy %s %s (i32.const %d))' % (self.addr(1, 1), self.addr(1, 1), n)
        return '(nop)'

    def stmts(self, depth, n):
        return ' '.join(self.stmt(depth) for _ in range(self.rng.randint(1, n)))

    def function(self, index):
        rng = self.rng
        params = [rng.choice(T) for _ in range(rng.choice([0, 1, 2, 3, 3, 4, 6, 9]))]
        nres = rng.choice([0, 1, 1, 1, 2])
        results = [rng.choice(T) for _ in range(nres)]
        f = Func(index, params, results)
        self.funcs.append(f)
        self.cur = f
        self.busy = set()
        self.max_depth = rng.choice([2, 3, 4, 4, 5, 5, 6, 7])
        f.locals = [('$p%d' % i, t) for i, t in enumerate(params)]
        decl = []
        for t in T:
            for k in range(2):
                n = '$%s_%d' % (t, k)
                f.locals.append((n, t))
                decl.append('(local %s %s)' % (n, t))
        f.counters = ['$c%d' % k for k in range(3)]
        decl += ['(local %s i32)' % c for c in f.counters]
        decl += ['(local $nan_f32 f32)', '(local $nan_f64 f64)']
        body = [self.stmt(0) for _ in range(rng.randint(1, 8))]
        body += [self.expr(t, 0) for t in results]
        params_s = ' '.join('(param $p%d %s)' % (i, t) for i, t in enumerate(params))
        res_s = ''.join(' (result %s)' % r for r in results)
        return '  (func $f%d (export "f%d") (type $t%d) %s%s\n    %s\n    %s)' % (
            index, index, index, params_s, res_s, ' '.join(decl), '\n    '.join(body))

    def module(self):
        rng = self.rng
        nglob = rng.randint(0, 4)
        self.globals = [rng.choice(T) for _ in range(nglob)]
        nfun = rng.randint(2, 8)
        funcs = [self.function(i) for i in range(nfun)]
        out = ['(module']
        for g in self.funcs:
            out.append('  (type $t%d (func%s))' % (g.index, g.sig()))
        out.append('  (memory (export "memory") 1 4)')
        data = bytes(rng.getrandbits(8) for _ in range(rng.randint(0, 64)))
        if data:
            out.append('  (data (i32.const %d) "%s")' % (rng.randrange(0, 1024),
                                                       ''.join('\\%02x' % b for b in data)))
        out.append('  (table %d funcref)' % nfun)
        out.append('  (elem (i32.const 0) %s)' % ' '.join('$f%d' % i for i in range(nfun)))
        for i, t in enumerate(self.globals):
            out.append('  (global $g%d (export "g%d") (mut %s) %s)' % (i, i, t, self.const(t)))
        out += funcs
        out.append(')')
        return '\n'.join(out) + '\n'


def main():
    argv = sys.argv[1:]
    block_params = '--no-block-params' not in argv
    argv = [a for a in argv if a != '--no-block-params']
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    text = Gen(argv[0], block_params).module()
    with open(argv[1], 'w') as f:
        f.write(text)
    return 0


if __name__ == '__main__':
    sys.exit(main())
