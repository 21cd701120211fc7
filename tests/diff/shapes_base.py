"""What gen_shapes.py's parts share: the value types, the memory layout of
the generated modules, the operators and constants they pick from, the
cost budget, labels, function descriptions and random constants."""


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
