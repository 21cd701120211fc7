#!/usr/bin/env python3
"""Turns a module's 32-bit memory into a 64-bit one (memory64), keeping what
it computes: for run_diff.py's ttf-mem64 kind, since binaryen 108's
translate-to-fuzz never makes a 64-bit memory itself.

  lift_mem64.py IN.wat OUT.wat

IN.wat is wasm-dis output (binaryen's folded text, where an instruction's
operands are its child expressions). The memory gets the index type i64;
every address, memory.grow's delta and the lengths of memory.fill and
memory.copy get wrapped in i64.extend_i32_u; memory.size and memory.grow
results in i32.wrap_i64; active data segments get i64 offsets. An address
below 2^32 plus an offset below 2^32 is the same effective address in both
forms, so the lifted module traps and stores where the original does, and
every tier must agree on it as they do on the original.
"""
import re
import sys

TOKEN_RE = re.compile(r'"(?:[^"\\]|\\.)*"|;;[^\n]*|\(;.*?;\)|[()]|[^\s()"]+', re.S)
MEMARG_RE = re.compile(r'^(offset|align)=')
ACCESS_RE = re.compile(r'^[if](32|64)\.(load|store)')
# Operands (by position) that are addresses or lengths of a 64-bit memory.
BULK = {'memory.fill': (0, 2), 'memory.copy': (0, 1, 2), 'memory.init': (0,)}


def parse(text):
    """The s-expressions of `text` as nested lists of atoms (comments dropped)."""
    stack = [[]]
    for tok in TOKEN_RE.findall(text):
        if tok.startswith(';;') or tok.startswith('(;'):
            continue
        if tok == '(':
            stack.append([])
        elif tok == ')':
            done = stack.pop()
            stack[-1].append(done)
        else:
            stack[-1].append(tok)
    return stack[0]


def show(node):
    if isinstance(node, str):
        return node
    return '(' + ' '.join(show(c) for c in node) + ')'


def extend(e):
    return ['i64.extend_i32_u', e]


def lift(node, in_func):
    if isinstance(node, str):
        return node
    head = node[0] if node and isinstance(node[0], str) else ''
    kids = [lift(c, in_func or head == 'func') for c in node]
    if head == 'memory' and not in_func:
        # (memory $name MIN [MAX]); (memory $name) in an export has no limits.
        at = next((i for i, c in enumerate(kids) if isinstance(c, str) and c.isdigit()), None)
        return kids if at is None else kids[:at] + ['i64'] + kids[at:]
    if head == 'data' and not in_func:
        # An active segment's offset, (i32.const N) printed signed.
        return [['i64.const', str(int(c[1]) & 0xffffffff)] if isinstance(c, list) and c[:1] == ['i32.const'] else c
                for c in kids]
    if not in_func:
        return kids
    if ACCESS_RE.match(head):
        first = next(i for i, c in enumerate(kids) if i > 0 and not (isinstance(c, str) and MEMARG_RE.match(c)))
        kids[first] = extend(kids[first])
        return kids
    if head == 'memory.size':
        return ['i32.wrap_i64', kids]
    if head == 'memory.grow':
        kids[1] = extend(kids[1])
        return ['i32.wrap_i64', kids]
    if head in BULK:
        operands = [i for i, c in enumerate(kids) if isinstance(c, list)]
        for k in BULK[head]:
            kids[operands[k]] = extend(kids[operands[k]])
    return kids


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    with open(sys.argv[1]) as f:
        forms = parse(f.read())
    with open(sys.argv[2], 'w') as f:
        for form in forms:
            f.write(show(lift(form, False)) + '\n')


if __name__ == '__main__':
    main()
