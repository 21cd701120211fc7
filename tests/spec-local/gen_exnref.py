#!/usr/bin/env python3
"""Writes exnref.json (a script in wast2json's format, for `tern wast`) and
its modules: Wasm 3.0 exceptions (try_table, throw_ref, exnref), which
wabt 1.0.32 can neither assemble nor read. Run with `-W exceptions`.

What it checks (after the exception-handling proposal's try_table.wast,
throw_ref.wast and ref_null.wast): catch by tag with values, clause order,
catch_ref then throw_ref keeping the exception's values, catch_all and
catch_all_ref, nested try_tables, branches out of a try_table, clauses
branching to a loop or to the function's label, exceptions crossing calls
(through functions the JIT compiles) and instances, legacy try around
try_table, traps that no clause catches, exnref in locals, globals, tables,
blocks and parameters, throw_ref of null, and the validator's errors.

usage: gen_exnref.py OUTDIR
"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from wasm_enc import (CATCH, CATCH_ALL, CATCH_ALL_REF, CATCH_REF, DROP, EMPTY, END, EXNREF, I32,  # noqa: E402
                      I32_ADD, I64, REF_IS_NULL, THROW_REF, UNREACHABLE, Module, block, br, br_if, call, global_get,
                      global_set, i32_const, local_get, local_set, loop, ref_null, table_get, table_set, throw,
                      try_table)

commands = []
files = {}
line = 0


def next_line():
    global line
    line += 1
    return line


def module(mod, name=None):
    fn = "exnref.%d.wasm" % len(files)
    files[fn] = mod.encode() if isinstance(mod, Module) else mod
    cmd = {"type": "module", "line": next_line(), "filename": fn}
    if name:
        cmd["name"] = "$" + name
    commands.append(cmd)


def register(as_, name=None):
    cmd = {"type": "register", "line": next_line(), "as": as_}
    if name:
        cmd["name"] = "$" + name
    commands.append(cmd)


def invoke(field, args=(), mod=None):
    a = {"type": "invoke", "field": field, "args": [{"type": t, "value": str(v)} for t, v in args]}
    if mod:
        a["module"] = "$" + mod
    return a


def assert_return(field, results, args=(), mod=None):
    commands.append({"type": "assert_return", "line": next_line(), "action": invoke(field, args, mod),
                     "expected": [{"type": t, "value": str(v)} for t, v in results]})


def assert_trap(field, text, args=()):
    commands.append({"type": "assert_trap", "line": next_line(), "action": invoke(field, args), "text": text,
                     "expected": []})


def assert_exception(field, args=()):
    commands.append({"type": "assert_exception", "line": next_line(), "action": invoke(field, args),
                     "expected": []})


def assert_rejected(kind, mod, text):
    fn = "exnref.%d.wasm" % len(files)
    files[fn] = mod.encode() if isinstance(mod, Module) else mod
    commands.append({"type": kind, "line": next_line(), "filename": fn, "text": text, "module_type": "binary"})


def i32(v):
    return ("i32", v & 0xFFFFFFFF)


# ---- catching ----
m = Module()
t_i32 = m.tag([I32], export="e-i32")
t_pair = m.tag([I32, I64])
t_none = m.tag([])
# A callee with no handlers (the JIT compiles it) that throws its argument.
thrower = m.func([I32], [], [local_get(0), throw(t_i32), END], export="throw-i32")
# catch $e-i32 0: the tag's value is the block's result.
m.func([I32], [I32], [
    block(I32), try_table(I32, (CATCH, t_i32, 0)), local_get(0), call(thrower), i32_const(-1), END, END,
    i32_const(1000), I32_ADD, END], export="catch-value")
# Two values, and the first clause that matches wins.
m.func([I32], [I32], [
    block(EMPTY),
    block(('type', m.type([], [I32, I64]))),
    try_table(EMPTY, (CATCH, t_pair, 0), (CATCH_ALL, 1)),
    local_get(0), i32_const(40), b"\x42\x02", throw(t_pair), END,
    UNREACHABLE, END,
    b"\xa7", I32_ADD, b"\x0f",  # i32.wrap_i64, add, return
    END, i32_const(-2), END], export="catch-pair")
# catch_all: no values; a tag no clause names falls through to it.
m.func([], [I32], [
    block(EMPTY), try_table(EMPTY, (CATCH, t_i32, 1), (CATCH_ALL, 0)), throw(t_none), END, i32_const(0),
    b"\x0f", END, i32_const(2), END], export="catch-all")
# catch_all_ref: the exnref is not null.
m.func([], [I32], [
    block(EXNREF), try_table(EMPTY, (CATCH_ALL_REF, 0)), throw(t_none), END, ref_null(EXNREF), END,
    REF_IS_NULL, END], export="catch-all-ref-null?")
# catch_ref, then throw_ref: an outer clause catches the same values.
m.func([I32], [I32], [
    block(I32),
    try_table(EMPTY, (CATCH, t_i32, 0)),
    block(('type', m.type([], [I32, EXNREF]))),
    try_table(EMPTY, (CATCH_REF, t_i32, 0)), local_get(0), throw(t_i32), END,
    UNREACHABLE, END,
    local_set(1), DROP, local_get(1), THROW_REF,
    END, i32_const(-1), END,
    END], locals_=[(1, EXNREF)], export="rethrow-ref")
# Nested: the inner try_table catches only $none; $e-i32 goes to the outer one.
m.func([I32], [I32], [
    block(I32), try_table(EMPTY, (CATCH, t_i32, 0)),
    block(EMPTY), try_table(EMPTY, (CATCH, t_none, 0)), local_get(0), throw(t_i32), END, END,
    i32_const(-1), b"\x0f", END, i32_const(-2), b"\x0f", END, END], export="nested")
# A branch out of the body leaves the handler's range: the throw after it is
# not caught by that try_table, but by the outer one (value + 100).
m.func([I32], [I32], [
    block(I32), try_table(I32, (CATCH, t_i32, 0)),
    block(EMPTY), try_table(EMPTY, (CATCH, t_i32, 2)), br(1), END, END,
    local_get(0), throw(t_i32), END, END, i32_const(100), I32_ADD, END], export="br-out")
# A clause branching to the function's own label returns the value.
m.func([I32], [I32], [
    try_table(EMPTY, (CATCH, t_i32, 0)), local_get(0), call(thrower), END, i32_const(-1), END],
    export="catch-to-return")
# A clause branching to a loop: each round throws the counter, the clause
# goes back to the loop head with it, until it reaches 5.
m.func([], [I32], [
    i32_const(0), loop(('type', m.type([I32], [I32]))),
    try_table(('type', m.type([I32], [I32])), (CATCH, t_i32, 0)),
    i32_const(1), I32_ADD, local_set(0), local_get(0), local_get(0), i32_const(5), b"\x4e", br_if(0),
    throw(t_i32), END,
    END, END], locals_=[(1, I32)], export="catch-to-loop")
# Values below the try_table survive a catch; the block's params are its operands.
m.func([I32], [I32], [
    i32_const(10),
    block(I32), local_get(0), try_table(('type', m.type([I32], [I32])), (CATCH, t_i32, 0)), throw(t_i32), END,
    END, I32_ADD, END], export="below")
# Traps are not exceptions: catch_all_ref lets them through.
m.func([], [I32], [
    block(EXNREF), try_table(EMPTY, (CATCH_ALL_REF, 0)), UNREACHABLE, END, UNREACHABLE, END, DROP, i32_const(0),
    END],
    export="trap-unreachable")
m.func([I32], [I32], [
    block(EXNREF), try_table(EMPTY, (CATCH_ALL_REF, 0)), i32_const(1), local_get(0), b"\x6d", DROP, END,
    i32_const(0), b"\x0f", END, DROP, i32_const(1), END], export="trap-div")
# Legacy try around a try_table that does not catch the tag.
m.func([I32], [I32], [
    b"\x06\x7f",  # try (result i32)
    block(EMPTY), try_table(EMPTY, (CATCH, t_none, 0)), local_get(0), throw(t_i32), END, END, i32_const(-1),
    bytes([0x07, t_i32]),  # catch $e-i32
    i32_const(7), I32_ADD, END, END], export="legacy-outer")
# Uncaught: throw_ref takes the exception out of the function.
m.func([I32], [], [
    block(EXNREF), try_table(EMPTY, (CATCH_ALL_REF, 0)), local_get(0), throw(t_i32), END, b"\x0f",
    END, THROW_REF, END], export="uncaught")
module(m, "M")
register("M", "M")

for v in (0, 5, -3):
    assert_return("catch-value", [i32(v + 1000)], [i32(v)])
assert_return("catch-pair", [i32(42)], [i32(2)])
assert_return("catch-all", [i32(2)])
assert_return("catch-all-ref-null?", [i32(0)])
assert_return("rethrow-ref", [i32(17)], [i32(17)])
assert_return("nested", [i32(9)], [i32(9)])
assert_return("br-out", [i32(103)], [i32(3)])
assert_return("catch-to-return", [i32(8)], [i32(8)])
assert_return("catch-to-loop", [i32(5)])
assert_return("below", [i32(14)], [i32(4)])
assert_trap("trap-unreachable", "unreachable")
assert_trap("trap-div", "integer divide by zero", [i32(0)])
assert_return("trap-div", [i32(0)], [i32(1)])
assert_return("legacy-outer", [i32(10)], [i32(3)])
assert_exception("uncaught", [i32(1)])
assert_exception("throw-i32", [i32(1)])

# ---- across instances: a tag and a thrower imported from M ----
n = Module()
n_tag = n.import_tag("M", "e-i32", [I32])
n_throw = n.import_func("M", "throw-i32", [I32], [])
n.func([I32], [I32], [
    block(I32), try_table(EMPTY, (CATCH, n_tag, 0)), local_get(0), call(n_throw), END, i32_const(-1), b"\x0f",
    END, END], export="catch-import")
# The same tag caught by reference, then rethrown out of this instance.
n.func([I32], [], [
    block(('type', n.type([], [I32, EXNREF]))), try_table(EMPTY, (CATCH_REF, n_tag, 0)), local_get(0),
    call(n_throw), END, b"\x0f", END, local_set(1), DROP, local_get(1), THROW_REF, END],
    locals_=[(1, EXNREF)], export="rethrow-import")
module(n, "N")
assert_return("catch-import", [i32(21)], [i32(21)], mod="N")
commands.append({"type": "assert_exception", "line": next_line(),
                 "action": invoke("rethrow-import", [i32(4)], "N"), "expected": []})
# M catches what N rethrows: the tag is M's own.
o = Module()
o_tag = o.import_tag("M", "e-i32", [I32])
o_rethrow = o.import_func("N", "rethrow-import", [I32], [])
o.func([I32], [I32], [
    block(I32), try_table(EMPTY, (CATCH, o_tag, 0)), local_get(0), call(o_rethrow), END, i32_const(-1),
    b"\x0f", END, END], export="catch-rethrown")
register("N", "N")
module(o, "O")
assert_return("catch-rethrown", [i32(33)], [i32(33)], mod="O")

# ---- exnref as a value ----
v = Module()
v_tag = v.tag([I32])
tab = v.table(EXNREF, 2)
g = v.global_(EXNREF, True, [ref_null(EXNREF)])
# Locals default to null; ref.null exn is null.
v.func([], [I32], [local_get(0), REF_IS_NULL, END], locals_=[(1, EXNREF)], export="local-null")
v.func([], [I32], [ref_null(EXNREF), REF_IS_NULL, END], export="ref-null")
v.func([], [I32], [global_get(g), REF_IS_NULL, END], export="global-null")
v.func([], [I32], [i32_const(1), table_get(tab), REF_IS_NULL, END], export="table-null")
# An identity function (the JIT compiles it: exnref is a parameter and result).
ident = v.func([EXNREF], [EXNREF], [local_get(0), END])
# Catch by reference, keep it in the global, the table and through the
# identity function, then throw each and catch its value again.
v.func([I32], [], [
    block(EXNREF), try_table(EMPTY, (CATCH_ALL_REF, 0)), local_get(0), throw(v_tag), END, b"\x0f", END,
    call(ident), global_set(g), END], export="store")
v.func([], [I32], [
    block(I32), try_table(EMPTY, (CATCH, v_tag, 0)), global_get(g), THROW_REF, END, UNREACHABLE, END, END],
    export="throw-global")
v.func([], [], [i32_const(0), global_get(g), table_set(tab), END], export="to-table")
v.func([], [I32], [
    block(I32), try_table(EMPTY, (CATCH, v_tag, 0)), i32_const(0), table_get(tab), THROW_REF, END, UNREACHABLE,
    END, END], export="throw-table")
v.func([], [], [ref_null(EXNREF), THROW_REF, END], export="throw-null")
v.func([], [I32], [global_get(g), REF_IS_NULL, END], export="global-null-now")
v.func([], [EXNREF], [global_get(g), END], export="get-global")
v.export("identity", 0, ident)
module(v, "V")
assert_return("local-null", [i32(1)])
assert_return("ref-null", [i32(1)])
assert_return("global-null", [i32(1)])
assert_return("table-null", [i32(1)])
assert_trap("throw-global", "null exception reference")
commands.append({"type": "assert_return", "line": next_line(), "action": invoke("get-global"),
                 "expected": [{"type": "exnref", "value": "null"}]})
commands.append({"type": "assert_return", "line": next_line(),
                 "action": invoke("identity", [("exnref", "null")]), "expected": [{"type": "exnref", "value": "null"}]})
assert_trap("throw-null", "null exception reference")
commands.append({"type": "action", "line": next_line(), "action": invoke("store", [i32(55)]), "expected": []})
assert_return("global-null-now", [i32(0)])
# A non-null exnref leaves to the embedder (no value: any non-null one).
commands.append({"type": "assert_return", "line": next_line(), "action": invoke("get-global"),
                 "expected": [{"type": "exnref"}]})
assert_return("throw-global", [i32(55)])
assert_return("throw-global", [i32(55)])  # an exnref can be thrown again and again
commands.append({"type": "action", "line": next_line(), "action": invoke("to-table"), "expected": []})
assert_return("throw-table", [i32(55)])


# ---- validation ----
def invalid(body, text, params=(), results=(), locals_=(), tags=([I32],)):
    x = Module()
    for t in tags:
        x.tag(list(t))
    x.func(list(params), list(results), body, locals_=locals_)
    assert_rejected("assert_invalid", x, text)


# The clause's label must take the tag's values (then an exnref for _ref).
invalid([block(EMPTY), try_table(EMPTY, (CATCH, 0, 0)), END, END, END], "type mismatch")
invalid([block(I64), try_table(EMPTY, (CATCH, 0, 0)), END, b"\x42\x00", END, DROP, END], "type mismatch")
invalid([block(I32), try_table(EMPTY, (CATCH_REF, 0, 0)), END, i32_const(0), END, DROP, END], "type mismatch")
invalid([block(EMPTY), try_table(EMPTY, (CATCH_ALL_REF, 0)), END, END, END], "type mismatch")
invalid([block(EXNREF), try_table(EMPTY, (CATCH_ALL, 0)), END, ref_null(EXNREF), END, DROP, END], "type mismatch")
# Labels count from outside the try_table: its own label is not one.
invalid([try_table(EMPTY, (CATCH_ALL, 1)), END, END], "unknown label")
invalid([block(EMPTY), try_table(EMPTY, (CATCH, 3, 0)), END, END, END], "unknown tag")
# throw_ref takes an exnref.
invalid([i32_const(0), THROW_REF, END], "type mismatch")
invalid([THROW_REF, END], "type mismatch")
invalid([ref_null(0x6F), THROW_REF, END], "type mismatch")
# The body is typed as a block.
invalid([try_table(I32, (CATCH_ALL, 0)), END, END], "type mismatch", results=[I32])
# A catch clause kind beyond catch_all_ref.
bad = Module()
bad.func([], [], [block(EMPTY), b"\x1f\x40\x01\x04\x00", END, END, END])
assert_rejected("assert_malformed", bad, "malformed catch clause")

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
for fn, data in files.items():
    with open(os.path.join(out, fn), "wb") as f:
        f.write(data)
with open(os.path.join(out, "exnref.json"), "w") as f:
    json.dump({"source_filename": "exnref.wast", "commands": commands}, f, indent=1)
