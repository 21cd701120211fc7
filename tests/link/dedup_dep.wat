;; Dependency "dd": imports that nobody satisfies; the output keeps them,
;; merged with the main module's imports of the same names.
(module
  (import "env" "memory" (memory 2 10))
  (import "env" "f" (func $f (param i32) (result i32)))
  (import "env" "f" (func $f64 (param i64) (result i64)))
  (import "env" "g" (global $g i32))
  (import "env" "tbl" (table 4 funcref))
  (import "env" "t" (tag $t (param i32)))
  (import "env" "t" (tag $t64 (param i64)))
  (func (export "h") (param i32) (result i32)
    (i32.store (i32.const 0) (local.get 0))
    (call $f (i32.add (i32.load (i32.const 0)) (global.get $g))))
  (func (export "raise") (throw $t64 (i64.const 2)))
)
