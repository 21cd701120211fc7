#!/usr/bin/env python3
"""Random SIMD modules (as .wat) whose every computed v128 is observable.

The SIMD generator of the tier differential test (run_diff.py --kinds simd).
Its instruction list is the 0xFD rows of src/module/opcodes.def, read at
run time, so an instruction added there is generated here without an edit:
each row's text name, immediate kind and signature ("vv:v", "v:i", "i:v",
"iv:v" for a lane load, ...) are all the generator needs.

A module has one page of memory whose first 1024 bytes hold values chosen
to hit the edges of every lane shape (NaNs with payloads and signs, signalling
NaNs, infinities, -0, subnormals, 0.5 and 2.5 for rounding, INT_MIN, 0x80,
0x7fff, values just past the saturation bounds); its functions build random
expression trees over those bytes, v128 locals, constants, splats and lane
inserts, store every tree's value to the second kilobyte of memory (which
diff_runner compares between tiers) and return a v128 or the bitmasks,
tests and extracted lanes they computed. Loads and lane accesses use random
offsets, alignments and lanes; shifts use random counts (also >= the lane
width and negative); shuffles pick from both operands. A few loads reach
past the end of memory, so that the tiers' traps are compared too.

NaNs: the spec lets a float operation return any NaN when an operand is NaN
(and min/max a canonical one), so the tiers may differ in NaN bits that an
integer operation then exposes. Most float results go through a "scrub"
(lanes that are NaN become 0, with fNxM.eq and v128.and) before they are
used; the rest flow raw, so NaN handling is still compared where both tiers
are expected to agree bit for bit (diff_runner accepts results and memory
that differ only inside NaN lanes).

Usage: gen_simd.py SEED OUT.wat    (deterministic for a given SEED)
"""

import os
import random
import re
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
OPCODES = os.path.join(HERE, '..', '..', 'src', 'module', 'opcodes.def')

DATA_BYTES = 1024      # the edge-case values, at address 0
OUT_BASE = 1024        # where results are stored
OUT_BYTES = 1024
LANES = {'Lane16': 16, 'Lane8': 8, 'Lane4': 4, 'Lane2': 2,
         'MemArgLane16': 16, 'MemArgLane8': 8, 'MemArgLane4': 4, 'MemArgLane2': 2}
SCALAR = {'i': 'i32', 'l': 'i64', 'f': 'f32', 'd': 'f64'}


def read_ops():
    """(name, imm, params, result, access bytes) of every 0xFD row."""
    row = re.compile(r'^X\(\w+,\s*0xfd,\s*\d+,\s*"([^"]+)",\s*(\w+),\s*"([a-z]*):([a-z]*)",\s*\w+,\s*(\d+)')
    ops = []
    with open(OPCODES) as f:
        for line in f:
            m = row.match(line.strip())
            if m:
                ops.append((m.group(1), m.group(2), m.group(3), m.group(4), int(m.group(5))))
    if len(ops) < 200:
        sys.exit('gen_simd.py: found only %d SIMD rows in %s' % (len(ops), OPCODES))
    return ops


def edge_bytes(rng):
    """DATA_BYTES of values at the edges of every lane shape, in random order."""
    f32 = [0x7fc00000, 0xffc00000, 0x7fa00001, 0x7f800001, 0xff812345, 0x7f800000, 0xff800000,
           0x80000000, 0x00000000, 0x00000001, 0x807fffff, 0x3f000000, 0x40200000, 0xc0200000,
           0x3fc00000, 0x4f000000, 0xcf000000, 0x4f800000, 0x5f000000, 0x3f800000, 0xbf800000,
           0x7f7fffff, 0x4effffff, 0xcf000001]
    f64 = [0x7ff8000000000000, 0xfff8000000000000, 0x7ff4000000000001, 0x7ff0000000000001,
           0x7ff0000000000000, 0xfff0000000000000, 0x8000000000000000, 0x0000000000000001,
           0x3fe0000000000000, 0x4004000000000000, 0xc004000000000000, 0x41e0000000000000,
           0xc1e0000000000000, 0x41efffffffe00000, 0x41f0000000000000, 0xc1e0000000200000,
           0x3ff0000000000000, 0x7fefffffffffffff, 0x43e0000000000000]
    i16 = [0x8000, 0x7fff, 0xffff, 0x0000, 0x0001, 0x00ff, 0xff00, 0x0080, 0xff80, 0x7f00]
    i8 = [0x80, 0x7f, 0xff, 0x00, 0x01, 0xfe, 0x81, 0x40]
    out = bytearray()
    while len(out) < DATA_BYTES:
        pick = rng.random()
        if pick < 0.3:
            out += struct.pack('<I', rng.choice(f32))
        elif pick < 0.5:
            out += struct.pack('<Q', rng.choice(f64))
        elif pick < 0.65:
            out += struct.pack('<H', rng.choice(i16))
        elif pick < 0.8:
            out.append(rng.choice(i8))
        elif pick < 0.9:
            out += struct.pack('<i', rng.choice([-2147483648, 2147483647, -1, 1, 65535, -32768, 32767, 128]))
        else:
            out += bytes(rng.getrandbits(8) for _ in range(4))
    return bytes(out[:DATA_BYTES])


def wat_bytes(b):
    return '"' + ''.join('\\%02x' % c for c in b) + '"'


class Gen:
    def __init__(self, rng, ops):
        self.rng = rng
        by_result = {}
        for op in ops:
            name, imm, params, result, size = op
            if name in ('v128.store',) or name.startswith('v128.store'):
                continue  # statements, not expressions
            by_result.setdefault(result, []).append(op)
        self.by_result = by_result
        self.stores = [op for op in ops if op[0].startswith('v128.store')]
        self.nlocals = 4

    # ---- leaves and addresses ----
    def address(self, size, offset_room=64):
        """An i32 address expression and an offset immediate for an access of
        `size` bytes: inside the data almost always, past the end of memory
        now and then (a trap both tiers must report alike)."""
        rng = self.rng
        if rng.random() < 0.01:
            return '(i32.const %d)' % (65536 - rng.randint(0, size + 2)), 0
        addr = rng.randint(0, DATA_BYTES - size - offset_room)
        off = rng.choice([0, 0, 0, 1, 4, 8, 15, 16, rng.randint(0, offset_room)])
        return '(i32.const %d)' % addr, off

    def memarg(self, size, off):
        align = self.rng.choice([a for a in (1, 2, 4, 8, 16) if a <= size])
        s = ''
        if off:
            s += ' offset=%d' % off
        if self.rng.random() < 0.5:
            s += ' align=%d' % align
        return s

    def const(self):
        rng = self.rng
        shape = rng.choice(['i8x16', 'i16x8', 'i32x4', 'i64x2', 'f32x4', 'f64x2'])
        n = {'i8x16': 16, 'i16x8': 8, 'i32x4': 4, 'i64x2': 2, 'f32x4': 4, 'f64x2': 2}[shape]
        bits = 128 // n
        if shape[0] == 'f':
            vals = [rng.choice(['nan', '-nan', 'nan:0x200001' if bits == 32 else 'nan:0x4000000000001',
                                'inf', '-inf', '-0', '0', '0.5', '2.5', '-2.5', '1e30', '-1.5', '3.0'])
                    for _ in range(n)]
        else:
            vals = [str(rng.choice([0, 1, -1, (1 << (bits - 1)) - 1, -(1 << (bits - 1)), 0x7f, 0x80,
                                    rng.getrandbits(bits - 1)])) for _ in range(n)]
        return '(v128.const %s %s)' % (shape, ' '.join(vals))

    def scalar(self, t, depth):
        rng = self.rng
        code = {'i32': 'i', 'i64': 'l', 'f32': 'f', 'f64': 'd'}[t]
        if depth > 0 and rng.random() < 0.5 and code in self.by_result:
            return self.expr(t, depth - 1)
        size = {'i32': 4, 'i64': 8, 'f32': 4, 'f64': 8}[t]
        if rng.random() < 0.5:
            addr, off = self.address(size)
            return '(%s.load%s %s)' % (t, ' offset=%d' % off if off else '', addr)
        if t == 'i32':
            return '(i32.const %d)' % rng.choice([0, 1, 7, 8, 15, 16, 31, 32, 33, 63, 64, 65, -1, -8, 255, 0x7fffffff])
        if t == 'i64':
            return '(i64.const %d)' % rng.choice([0, 1, -1, 0x7fffffffffffffff, -0x8000000000000000, 0x80])
        return '(%s.const %s)' % (t, rng.choice(['nan', '-0', '0.5', '2.5', 'inf', '-1e10', '3']))

    # ---- expressions ----
    def v128_leaf(self):
        rng = self.rng
        pick = rng.random()
        if pick < 0.45:
            addr, off = self.address(16)
            return '(v128.load%s %s)' % (self.memarg(16, off), addr)
        if pick < 0.75:
            return '(local.get $v%d)' % rng.randrange(self.nlocals)
        return self.const()

    def scrub(self, e, name):
        """Lanes of a float result that are NaN become 0 (see the header)."""
        shape = name.split('.')[0]
        if shape not in ('f32x4', 'f64x2') or self.rng.random() < 0.3:
            return e
        return '(v128.and (local.tee $s %s) (%s.eq (local.get $s) (local.get $s)))' % (e, shape)

    def expr(self, result, depth):
        """A random expression whose value has type `result` ('v' or a scalar name)."""
        rng = self.rng
        code = {'i32': 'i', 'i64': 'l', 'f32': 'f', 'f64': 'd', 'v': 'v'}[result]
        if result == 'v' and (depth <= 0 or rng.random() < 0.15):
            return self.v128_leaf()
        candidates = self.by_result.get(code, [])
        name, imm, params, res, size = rng.choice(candidates)
        args = []
        for p in params:
            if p == 'v':
                args.append(self.expr('v', depth - 1))
            elif imm.startswith('MemArg') and p == 'i' and not args:
                args.append(None)  # the address, made below with the memarg
            elif p == 'i' and (name.endswith('.shl') or name.endswith('.shr_s') or name.endswith('.shr_u')):
                args.append('(i32.const %d)' % rng.choice([0, 1, 3, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65,
                                                            127, 128, -1, -7, 0x7fffffff]))
            else:
                args.append(self.scalar(SCALAR[p], depth - 1))
        immtext = ''
        if imm == 'V128':
            return self.const()
        if imm == 'Shuffle':
            immtext = ' ' + ' '.join(str(rng.randrange(32)) for _ in range(16))
        elif imm in LANES and not imm.startswith('MemArg'):
            immtext = ' %d' % rng.randrange(LANES[imm])
        if imm.startswith('MemArg'):
            addr, off = self.address(size)
            args[0] = addr
            immtext = self.memarg(size, off)
            if imm in LANES:
                immtext += ' %d' % rng.randrange(LANES[imm])
        e = '(%s%s %s)' % (name, immtext, ' '.join(args))
        return self.scrub(e, name) if res == 'v' else e

    # ---- statements and functions ----
    def func(self, index, out_slots):
        rng = self.rng
        lines = []
        results = []
        for k in range(rng.randint(3, 8)):
            e = self.expr('v', rng.randint(1, 4))
            target = rng.randrange(self.nlocals)
            lines.append('(local.set $v%d %s)' % (target, e))
            slot = out_slots.pop() if out_slots else rng.randrange(OUT_BYTES // 16)
            lines.append('(v128.store offset=%d (i32.const 0) (local.get $v%d))' % (OUT_BASE + 16 * slot, target))
            if rng.random() < 0.3 and self.stores:
                name, imm, params, res, size = rng.choice(self.stores)
                if name != 'v128.store':
                    lane = rng.randrange(LANES[imm])
                    addr = rng.randint(OUT_BASE, OUT_BASE + OUT_BYTES - 16)
                    lines.append('(%s %d (i32.const %d) (local.get $v%d))' % (name, lane, addr, target))
            if rng.random() < 0.5:
                results.append(self.expr(rng.choice(['i32', 'i64', 'f32', 'f64']), 1))
        if rng.random() < 0.5:
            sig = '(result v128)'
            ret = '(local.get $v%d)' % rng.randrange(self.nlocals)
        else:
            sig = '(result i64)'
            acc = '(i64.const 0)'
            for r in results:
                conv = {'i32': '(i64.extend_i32_u %s)', 'i64': '%s',
                        'f32': '(i64.extend_i32_u (i32.reinterpret_f32 (f32.add (f32.const 0) %s)))',
                        'f64': '(i64.reinterpret_f64 (f64.add (f64.const 0) %s))'}
                t = self.type_of(r)
                acc = '(i64.add (i64.rotl %s (i64.const 7)) %s)' % (acc, conv[t] % r)
            ret = acc
        params = '(param $p i32)'
        locs = ' '.join('(local $v%d v128)' % i for i in range(self.nlocals)) + ' (local $s v128)'
        body = '\n    '.join(lines + [ret])
        return '  (func (export "f%d") %s %s %s\n    %s)' % (index, params, sig, locs, body)

    def type_of(self, e):
        """The scalar type of an expression made by expr()/scalar()."""
        head = e[1:].split(' ', 1)[0].split(')', 1)[0]
        for name, imm, params, res, size in self.by_result.get('i', []) + self.by_result.get('l', []) + \
                self.by_result.get('f', []) + self.by_result.get('d', []):
            if name == head:
                return SCALAR[res]
        return head.split('.')[0]


def module(seed):
    rng = random.Random('tern-simd:' + seed)
    ops = read_ops()
    g = Gen(rng, ops)
    nfuncs = rng.randint(3, 8)
    slots = list(range(OUT_BYTES // 16))
    rng.shuffle(slots)
    funcs = [g.func(i, slots) for i in range(nfuncs)]
    return '(module\n  (memory (export "mem") 1)\n  (data (i32.const 0) %s)\n%s)\n' % (
        wat_bytes(edge_bytes(rng)), '\n'.join(funcs))


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    with open(sys.argv[2], 'w') as f:
        f.write(module(sys.argv[1]))


if __name__ == '__main__':
    main()
