;; Main: the same imports as "dd" (one with a different type, kept apart;
;; memory and table limits merged, tags of one type merged) and a call
;; into "dd".
(module
  (import "env" "f" (func $f (param i32) (result i32)))
  (import "env" "memory" (memory 1 20))
  (import "dd" "h" (func $h (param i32) (result i32)))
  (import "env" "g" (global $g i32))
  (import "env" "g" (global $gm (mut i32)))
  (import "env" "tbl" (table 8 funcref))
  (import "env" "t" (tag $t (param i32)))
  (global $x i32 (global.get $g))
  (func (export "run") (param i32) (result i32)
    (global.set $gm (global.get $x))
    (call $h (call $f (local.get 0))))
  (func (export "raise") (throw $t (i32.const 1)))
)
