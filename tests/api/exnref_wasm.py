#!/usr/bin/env python3
"""Writes exnref.wasm for test_exnref.cc (wabt 1.0.32 cannot assemble
try_table): usage exnref_wasm.py OUT.wasm.

  imports  host.error (tag [i32]), host.see (func [exnref]),
           host.callback (func [i32]: calls "thrower" back)
  thrower(i32)           throws host.error
  catch-twice(i32)       through the host's callback, catch_ref, see, throw_ref,
                         catch_all_ref, see again: the host sees one exception
  rethrow(exnref)        throw_ref
  keep(i32) -> exnref    catches and returns the exnref (the JIT compiles nothing here)
  pass(exnref) -> exnref an identity function (machine code on the JIT tier)
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "spec-local"))
from wasm_enc import (CATCH_ALL_REF, CATCH_REF, DROP, EMPTY, END, EXNREF, I32, THROW_REF, UNREACHABLE,  # noqa: E402
                      Module, block, call, local_get, local_set, throw, try_table)

m = Module()
tag = m.import_tag("host", "error", [I32])
see = m.import_func("host", "see", [EXNREF], [])
callback = m.import_func("host", "callback", [I32], [])
m.func([I32], [], [local_get(0), throw(tag), END], export="thrower")
m.func([I32], [], [
    block(EXNREF), try_table(EMPTY, (CATCH_ALL_REF, 0)),
    block(("type", m.type([], [I32, EXNREF]))), try_table(EMPTY, (CATCH_REF, tag, 0)),
    local_get(0), call(callback), END, UNREACHABLE, END,
    local_set(1), DROP, local_get(1), call(see), local_get(1), THROW_REF,
    END, UNREACHABLE, END,
    call(see), END], locals_=[(1, EXNREF)], export="catch-twice")
m.func([EXNREF], [], [local_get(0), THROW_REF, END], export="rethrow")
m.func([I32], [EXNREF], [
    block(EXNREF), try_table(EMPTY, (CATCH_ALL_REF, 0)), local_get(0), throw(tag), END, UNREACHABLE, END, END],
    export="keep")
m.func([EXNREF], [EXNREF], [local_get(0), END], export="pass")
with open(sys.argv[1], "wb") as f:
    f.write(m.encode())
