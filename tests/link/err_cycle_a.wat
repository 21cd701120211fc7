;; Imports from err_cycle_b, which imports from err_cycle_a.
(module
  (import "err_cycle_b" "g" (func $g (result i32)))
  (func (export "f") (result i32) (i32.const 1))
  (func (export "go") (result i32) (call $g))
)
