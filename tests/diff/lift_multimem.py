#!/usr/bin/env python3
"""Spreads a module's memory accesses over two memories, each 32- or 64-bit
(multi-memory with memory64): for run_diff.py's ttf-multimem kind, since
binaryen 108 can emit neither several memories nor, in its text, a module
wabt would assemble again.

  lift_multimem.py SEED IN.wasm OUT.wasm

IN.wasm has one defined memory and no SIMD (binaryen's "core" set). SEED
draws the two memories' index types (memory 1 gets memory 0's limits) and,
for every load, store and memory.* instruction, the memory it goes to; every
active data segment is written to both memories. An access to a 64-bit
memory gets its i32 address (and memory.grow's delta, memory.fill's and
memory.init's length, memory.copy's length when both memories are 64-bit)
zero-extended with i64.extend_i32_u, through scratch locals each function
gains where the address is not on top; memory.size and memory.grow results
are wrapped back to i32. What the module computes changes (two memories now
hold what one did), but it stays valid, and every tier must agree on it.
Exit status 0 when OUT.wasm is written, 1 when IN.wasm cannot be lifted
(an imported or missing memory, a data offset that is not an i32.const,
SIMD memory instructions), 2 on a usage error.
"""
import os
import random
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, '..', 'run'))
from cli_test import sleb, uleb  # noqa: E402  (the LEB128 writers of the tests' Wasm binary writer)

OPCODES = os.path.join(HERE, '..', '..', 'src', 'module', 'opcodes.def')
I64_EXTEND_I32_U, I32_WRAP_I64, LOCAL_GET, LOCAL_SET = 0xad, 0xa7, 0x20, 0x21
VALTYPE = {'i': 0x7f, 'l': 0x7e, 'f': 0x7d, 'd': 0x7c}


class Unliftable(Exception):
    pass


def read_ops():
    """{(prefix, code): (text, imm, sig params, class)} from opcodes.def."""
    row = re.compile(r'^X\(\w+,\s*(\w+),\s*(\w+),\s*"([^"]+)",\s*(\w+),\s*"([a-z]*):?[a-z]*",\s*(\w+)')
    ops = {}
    with open(OPCODES) as f:
        for line in f:
            m = row.match(line.strip())
            if m:
                ops[(int(m.group(1), 0), int(m.group(2), 0))] = (m.group(3), m.group(4), m.group(5), m.group(6))
    if len(ops) < 400:
        sys.exit('lift_multimem.py: found only %d rows in %s' % (len(ops), OPCODES))
    return ops


class Reader:
    def __init__(self, data, pos=0, end=None):
        self.data, self.pos, self.end = data, pos, len(data) if end is None else end

    def byte(self):
        if self.pos >= self.end:
            raise Unliftable('unexpected end')
        self.pos += 1
        return self.data[self.pos - 1]

    def leb(self, signed):
        v, shift = 0, 0
        while True:
            b = self.byte()
            v |= (b & 0x7f) << shift
            shift += 7
            if not b & 0x80:
                return v - (1 << shift) if signed and b & 0x40 else v

    def uleb(self):
        return self.leb(False)

    def sleb(self):
        return self.leb(True)

    def take(self, n):
        if self.pos + n > self.end:
            raise Unliftable('unexpected end')
        self.pos += n
        return self.data[self.pos - n:self.pos]


class Lifter:
    def __init__(self, seed, ops):
        self.rng = random.Random('tern-multimem:%s' % seed)
        self.ops = ops
        # Either memory may be 64-bit; both 32-bit stays possible (plain multi-memory).
        self.mem64 = [self.rng.random() < 0.5, self.rng.random() < 0.5]

    def pick(self):
        return self.rng.randrange(2)

    # ---- sections ----
    def lift(self, data):
        if data[:8] != b'\0asm\1\0\0\0':
            raise Unliftable('not a wasm module')
        r = Reader(data, 8)
        sections = []
        while r.pos < r.end:
            sid = r.byte()
            size = r.uleb()
            sections.append([sid, bytes(r.take(size))])
        by_id = {s[0]: s for s in sections}
        if 5 not in by_id or (2 in by_id and self.imports_memory(by_id[2][1])):
            raise Unliftable('no defined memory')
        self.params = self.param_counts(by_id.get(1, [1, b'\0'])[1], by_id.get(3, [3, b'\0'])[1])
        by_id[5][1] = self.memories(by_id[5][1])
        if 11 in by_id:
            by_id[11][1], count = self.datas(by_id[11][1])
            if 12 in by_id:
                by_id[12][1] = uleb(count)
        if 10 in by_id:
            by_id[10][1] = self.code(by_id[10][1])
        out = bytearray(data[:8])
        for sid, payload in sections:
            out += bytes([sid]) + uleb(len(payload)) + payload
        return bytes(out)

    @staticmethod
    def imports_memory(payload):
        r = Reader(payload)
        for _ in range(r.uleb()):
            r.take(r.uleb())
            r.take(r.uleb())
            kind = r.byte()
            if kind == 2:
                return True
            if kind == 0:
                r.uleb()
            elif kind == 1:
                r.byte()
                flags = r.byte()
                r.uleb()
                if flags & 1:
                    r.uleb()
            elif kind == 3:
                r.take(2)
            else:
                raise Unliftable('import kind %d' % kind)
        return False

    @staticmethod
    def param_counts(types, funcs):
        r = Reader(types)
        counts = []
        for _ in range(r.uleb()):
            if r.byte() != 0x60:
                raise Unliftable('not a function type')
            counts.append(r.uleb())
            r.take(counts[-1])
            r.take(r.uleb())
        r = Reader(funcs)
        return [counts[r.uleb()] for _ in range(r.uleb())]

    def memories(self, payload):
        r = Reader(payload)
        if r.uleb() != 1:
            raise Unliftable('more than one memory')
        flags = r.byte()
        if flags & ~1:
            raise Unliftable('memory flags %#x' % flags)
        limits = [r.uleb()] + ([r.uleb()] if flags & 1 else [])
        out = bytearray(uleb(2))
        for is64 in self.mem64:
            out.append(flags | (4 if is64 else 0))
            for v in limits:
                out += uleb(v)
        return bytes(out)

    def datas(self, payload):
        r = Reader(payload)
        segs, copies = [], []
        for _ in range(r.uleb()):
            flags = r.uleb()
            if flags == 1:
                n = r.uleb()
                segs.append(uleb(1) + uleb(n) + bytes(r.take(n)))
                continue
            if flags not in (0, 2) or (flags == 2 and r.uleb() != 0) or r.byte() != 0x41:
                raise Unliftable('a data segment that is not active at an i32.const')
            offset = r.sleb() & 0xffffffff
            if r.byte() != 0x0b:
                raise Unliftable('a data offset that is not one i32.const')
            n = r.uleb()
            init = uleb(n) + bytes(r.take(n))
            segs.append(self.active(0, offset) + init)
            copies.append(self.active(1, offset) + init)
        segs += copies  # after the originals, so that memory.init's and data.drop's indices stay
        return uleb(len(segs)) + b''.join(segs), len(segs)

    def active(self, mem, offset):
        head = uleb(0) if mem == 0 else uleb(2) + uleb(mem)
        const = bytes([0x42]) + sleb(offset) if self.mem64[mem] else bytes([0x41]) + sleb(offset - (offset >> 31 << 32))
        return head + const + b'\x0b'

    # ---- code ----
    def code(self, payload):
        r = Reader(payload)
        n = r.uleb()
        out = bytearray(uleb(n))
        for i in range(n):
            size = r.uleb()
            body = self.body(Reader(r.data, r.pos, r.pos + size), self.params[i])
            r.pos += size
            out += uleb(len(body)) + body
        return bytes(out)

    def body(self, r, nparams):
        groups = r.uleb()
        decls, nlocals = bytearray(), nparams
        for _ in range(groups):
            count = r.uleb()
            decls += uleb(count) + bytes([r.byte()])
            nlocals += count
        # Scratch locals: two i32, then one of each other scalar type.
        scratch = [0x7f, 0x7f, 0x7e, 0x7d, 0x7c]
        # (An i32 value to store uses 'a', as its letter 'i' in the row's signature.)
        self.tmp = {'a': nlocals, 'i': nlocals, 'b': nlocals + 1, 'l': nlocals + 2, 'f': nlocals + 3,
                    'd': nlocals + 4}
        out = bytearray(uleb(groups + len(scratch)) + decls)
        for t in scratch:
            out += uleb(1) + bytes([t])
        while r.pos < r.end:
            self.instruction(r, out)
        return bytes(out)

    def instruction(self, r, out):
        start = r.pos
        b = r.byte()
        prefix, code = (b, r.uleb()) if b in (0xfc, 0xfd) else (0, b)
        row = self.ops.get((prefix, code))
        if row is None:
            raise Unliftable('opcode %#x %d' % (prefix, code))
        text, imm, params, cls = row
        if cls in ('Load', 'Store') or imm in ('MemIdx', 'MemoryInit', 'MemoryCopy'):
            if prefix == 0xfd:
                raise Unliftable('a SIMD memory instruction')
            return self.memory(r, out, bytes(r.data[start:r.pos]), text, imm, params, cls)
        self.skip_imm(r, imm)
        out += r.data[start:r.pos]

    def skip_imm(self, r, imm):
        fixed = {'F32': 4, 'F64': 8, 'V128': 16, 'Shuffle': 16, 'RefType': 1, 'Lane2': 1, 'Lane4': 1,
                 'Lane8': 1, 'Lane16': 1}
        if imm == 'None':
            return
        if imm in fixed:
            r.take(fixed[imm])
        elif imm == 'BlockType':
            if r.data[r.pos] == 0x40 or r.data[r.pos] in VALTYPE.values() or r.data[r.pos] in (0x7b, 0x70, 0x6f):
                r.byte()
            else:
                r.sleb()
        elif imm == 'BrTable':
            for _ in range(r.uleb() + 1):
                r.uleb()
        elif imm == 'SelectT':
            r.take(r.uleb())
        elif imm in ('I32', 'I64'):
            r.sleb()
        elif imm in ('CallIndirect', 'TableInit', 'TableCopy'):
            r.uleb()
            r.uleb()
        else:  # one index: Label, FuncIdx, LocalIdx, GlobalIdx, TableIdx, TagIdx, DataIdx, ElemIdx
            r.uleb()

    def save(self, out, *names):
        for n in names:
            out += bytes([LOCAL_SET]) + uleb(self.tmp[n])

    def restore(self, out, name, extend=False):
        out += bytes([LOCAL_GET]) + uleb(self.tmp[name])
        if extend:
            out.append(I64_EXTEND_I32_U)

    def memory(self, r, out, opcode, text, imm, params, cls):
        m = self.pick()
        wide = self.mem64[m]
        if imm == 'MemArg':
            flags = r.uleb()
            if flags & 0x40:
                raise Unliftable('a memarg with a memory index')
            offset = r.uleb()
            if cls == 'Store' and wide:
                self.save(out, params[1])  # the value; the address is then on top
            if wide:
                out.append(I64_EXTEND_I32_U)
            if cls == 'Store' and wide:
                self.restore(out, params[1])
            out += opcode + (uleb(flags | 0x40) + uleb(m) if m else uleb(flags)) + uleb(offset)
            return
        if text == 'memory.copy':
            r.uleb()
            r.uleb()
            src = self.pick()
            src_wide = self.mem64[src]
            if wide or src_wide:
                self.save(out, 'a', 'b')  # length, source
                if wide:
                    out.append(I64_EXTEND_I32_U)
                self.restore(out, 'b', src_wide)
                self.restore(out, 'a', wide and src_wide)
            out += opcode + uleb(m) + uleb(src)
            return
        seg = uleb(r.uleb()) if imm == 'MemoryInit' else b''
        r.uleb()
        if text == 'memory.size':
            out += opcode + uleb(m) + (bytes([I32_WRAP_I64]) if wide else b'')
            return
        if text == 'memory.grow':
            out += (bytes([I64_EXTEND_I32_U]) if wide else b'') + opcode + uleb(m)
            out += bytes([I32_WRAP_I64]) if wide else b''
            return
        # memory.fill (d v n: d and n by the memory) and memory.init (d s n: only d).
        if wide:
            self.save(out, 'a', 'b')
            out.append(I64_EXTEND_I32_U)
            self.restore(out, 'b')
            self.restore(out, 'a', text == 'memory.fill')
        out += opcode + seg + uleb(m)


def main():
    if len(sys.argv) != 4:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    with open(sys.argv[2], 'rb') as f:
        data = f.read()
    try:
        lifted = Lifter(sys.argv[1], read_ops()).lift(data)
    except Unliftable as e:
        print('lift_multimem.py: %s: %s' % (sys.argv[2], e), file=sys.stderr)
        sys.exit(1)
    with open(sys.argv[3], 'wb') as f:
        f.write(lifted)


if __name__ == '__main__':
    main()
