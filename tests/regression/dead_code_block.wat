;; Found by the differential test (tests/diff): wasm-opt -ttf modules
;; (e.g. run_diff.py --seed 2, modules 149, 182, 245, ...) made every tier
;; crash with SIGSEGV while compiling, in the interpreter's lowering
;; (Lowering::emitBranch, called from interp::compileBody).
;;
;; Cause: a block, loop or if that opens in unreachable code is not shown to
;; the visitors (its CtrlFrame has visited = false), but its frame starts
;; with unreachable = false, so FunctionDecoder's `live = reachable()` is true
;; for the instructions inside it: the lowering (and the JIT) see a br_if
;; whose target frame they never saw, and an operand stack that does not hold
;; the values it pops.
;;
;; Expected: the module compiles on every tier, and the dead code after
;; unreachable, br and return never runs.
;; expect-compile: ok
;; expect: br_if_in_dead_block() -> trap unreachable
;; expect: br_in_dead_loop() -> i64:1
;; expect: dead_if_else() -> f32:1
;; expect: live_after() -> i32:42
(module
  (func (export "br_if_in_dead_block") (result i32)
    unreachable
    block (result i32)
      i32.const 7
      i32.const 0
      br_if 1
    end)
  (func (export "br_in_dead_loop") (result i64)
    i64.const 1
    br 0
    loop (result i64 i32)
      i64.const 2
      i32.const 3
      i32.const 1
      br_if 0
    end
    drop)
  (func (export "dead_if_else") (result f32)
    f32.const 1
    return
    i32.const 0
    if (result f32)
      f32.const 2
      br 1
    else
      f32.const 3
      i32.const 1
      br_if 0
    end)
  (func (export "live_after") (result i32)
    block (result i32)
      i32.const 42
      br 0
      block
        i32.const 5
        i32.const 1
        br_if 1
        drop
      end
      i32.const 0
    end))
