"""A small WebAssembly binary encoder for test modules that wabt 1.0.32
cannot assemble (try_table, throw_ref, exnref): enough sections and
instruction helpers to write modules by hand in Python, and the
`(module binary "...")` text that puts one in a .wast script.

A function body is a list of bytes and byte lists (flattened); the helpers
below return the bytes of one instruction each.
"""

import os
import sys

I32, I64, F32, F64 = 0x7F, 0x7E, 0x7D, 0x7C
FUNCREF, EXTERNREF, EXNREF = 0x70, 0x6F, 0x69
EMPTY = 0x40


# The LEB128 writers of the tests' Wasm binary writer (run/cli_test.py).
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'run'))
from cli_test import sleb, uleb  # noqa: E402,F401


def vec(items):
    return uleb(len(items)) + b"".join(items)


def name(s):
    return vec([bytes([c]) for c in s.encode()])


def flat(code):
    """Flattens nested lists of ints and bytes into bytes."""
    out = bytearray()
    for x in code:
        if isinstance(x, int):
            out.append(x)
        elif isinstance(x, (bytes, bytearray)):
            out += x
        else:
            out += flat(x)
    return bytes(out)


# ---- instructions ----
def i32_const(v):
    return b"\x41" + sleb(v)


def local_get(i):
    return b"\x20" + uleb(i)


def local_set(i):
    return b"\x21" + uleb(i)


def global_get(i):
    return b"\x23" + uleb(i)


def global_set(i):
    return b"\x24" + uleb(i)


def call(f):
    return b"\x10" + uleb(f)


def br(label):
    return b"\x0c" + uleb(label)


def br_if(label):
    return b"\x0d" + uleb(label)


def throw(tag):
    return b"\x08" + uleb(tag)


THROW_REF = b"\x0a"
DROP = b"\x1a"
END = b"\x0b"
RETURN = b"\x0f"
UNREACHABLE = b"\x00"
I32_ADD = b"\x6a"
I32_MUL = b"\x6c"
REF_IS_NULL = b"\xd1"


def ref_null(t):
    return b"\xd0" + bytes([t])


def blocktype(bt):
    """EMPTY, a value type byte, or ('type', index)."""
    if isinstance(bt, tuple):
        return sleb(bt[1])
    return bytes([bt])


def block(bt=EMPTY):
    return b"\x02" + blocktype(bt)


def loop(bt=EMPTY):
    return b"\x03" + blocktype(bt)


def table_get(t):
    return b"\x25" + uleb(t)


def table_set(t):
    return b"\x26" + uleb(t)


# try_table's clauses: (CATCH, tag, label), (CATCH_REF, tag, label),
# (CATCH_ALL, label), (CATCH_ALL_REF, label).
CATCH, CATCH_REF, CATCH_ALL, CATCH_ALL_REF = 0, 1, 2, 3


def try_table(bt, *clauses):
    out = b"\x1f" + blocktype(bt) + uleb(len(clauses))
    for c in clauses:
        out += bytes([c[0]]) + b"".join(uleb(x) for x in c[1:])
    return out


# ---- modules ----
class Module:
    """Index spaces in the order things are added; imports first."""

    def __init__(self):
        self.types = []
        self.imports = []  # (module, name, kind byte, description bytes)
        self.funcs = []  # (type index, locals [(count, type)], body bytes)
        self.tables = []
        self.globals = []
        self.tags = []
        self.exports = []
        self.nfunc_imports = 0
        self.ntag_imports = 0

    def type(self, params, results):
        t = bytes([0x60]) + vec([bytes([p]) for p in params]) + vec([bytes([r]) for r in results])
        if t not in self.types:
            self.types.append(t)
        return self.types.index(t)

    def import_func(self, mod, nm, params, results):
        self.imports.append((mod, nm, 0, uleb(self.type(params, results))))
        self.nfunc_imports += 1
        return self.nfunc_imports - 1

    def import_tag(self, mod, nm, params):
        self.imports.append((mod, nm, 4, b"\x00" + uleb(self.type(params, []))))
        self.ntag_imports += 1
        return self.ntag_imports - 1

    def func(self, params, results, body, locals_=(), export=None):
        idx = self.nfunc_imports + len(self.funcs)
        self.funcs.append((self.type(params, results), list(locals_), flat(body)))
        if export:
            self.export(export, 0, idx)
        return idx

    def table(self, elem, size):
        self.tables.append(bytes([elem]) + b"\x00" + uleb(size))
        return len(self.tables) - 1

    def global_(self, t, mutable, init):
        self.globals.append(bytes([t, 1 if mutable else 0]) + flat(init) + END)
        return len(self.globals) - 1

    def tag(self, params, export=None):
        idx = self.ntag_imports + len(self.tags)
        self.tags.append(b"\x00" + uleb(self.type(params, [])))
        if export:
            self.export(export, 4, idx)
        return idx

    def export(self, nm, kind, idx):
        self.exports.append(name(nm) + bytes([kind]) + uleb(idx))

    def encode(self):
        def section(sid, items):
            if not items:
                return b""
            body = vec(items)
            return bytes([sid]) + uleb(len(body)) + body

        imports = [name(m) + name(n) + bytes([k]) + d for m, n, k, d in self.imports]
        codes = []
        for _, locs, body in self.funcs:
            b = vec([uleb(n) + bytes([t]) for n, t in locs]) + body
            codes.append(uleb(len(b)) + b)
        return (b"\x00asm\x01\x00\x00\x00" + section(1, self.types) + section(2, imports) +
                section(3, [uleb(t) for t, _, _ in self.funcs]) + section(4, self.tables) +
                section(13, self.tags) + section(6, self.globals) + section(7, self.exports) +
                section(10, codes))


def wast_bytes(data):
    return '"' + "".join("\\%02x" % b for b in data) + '"'


def module_text(mod, name_=None):
    """The `(module $name binary "...")` command of a module (bytes or Module)."""
    data = mod.encode() if isinstance(mod, Module) else mod
    return "(module %sbinary %s)" % (("$" + name_ + " ") if name_ else "", wast_bytes(data))
