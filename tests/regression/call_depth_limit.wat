;; Found by the differential test (tests/diff): unbounded recursion traps
;; "call stack exhausted" on every tier, but at very different depths. With
;; the default Config (max_call_depth = 20000, documented in tern.hpp as
;; "deeper recursion traps 'call stack exhausted'"), the interpreter traps
;; when $r is 20000 frames deep (below the exported entry function), while
;; the JIT, with guard pages and with explicit bounds checks alike, only stops
;; when its value stack or native stack runs out: 458263 frames deep here on
;; x86-64 (the counter below reads 20000 on the interpreter, 458263 on the
;; JIT).
;;
;; The spec leaves the depth to the implementation, so this is not a wrong
;; result; but Config::max_call_depth is Tern's contract with embedders (who
;; lower it to bound a guest), and the JIT does not honour it. Here every
;; frame counts itself in $depth before recursing; after the trap $depth
;; must not exceed max_call_depth + 1 (slack for how the entry is counted).
;; expect-compile: ok
;; expect: recurse() -> trap call stack exhausted
;; expect: within_limit() -> i32:1
;; expect: reached_limit() -> i32:1
(module
  (global $depth (mut i32) (i32.const 0))
  (func $r (param i32) (result i32)
    (global.set $depth (i32.add (global.get $depth) (i32.const 1)))
    (i32.add (call $r (i32.add (local.get 0) (i32.const 1))) (i32.const 1)))
  (func (export "recurse") (result i32)
    (global.set $depth (i32.const 0))
    (call $r (i32.const 0)))
  ;; 1 when the trap came no deeper than max_call_depth (20000) frames
  ;; below the entry call.
  (func (export "within_limit") (result i32)
    (i32.le_u (global.get $depth) (i32.const 20001)))
  ;; 1 when the recursion got close to the limit, i.e. the stack did not
  ;; run out much earlier for another reason.
  (func (export "reached_limit") (result i32)
    (i32.ge_u (global.get $depth) (i32.const 19990))))
