"""gen_shapes.py's loops and control shapes: counted loops of every form,
nested loops, br_table dispatch loops (interpreter and inflate style),
switches, deep nests of blocks and memory kernels, each within the cost
budget and sure to end. FuncGen (gen_shapes.py) mixes this in."""
from shapes_base import STATE_BASE, T, Budget


class ControlGen:
    """Loops, dispatch loops and nests of the function FuncGen generates."""

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


    def s_inflate(self):
        return self.s_dispatch(in_memory=True)
