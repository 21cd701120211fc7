(module
  (import "err_cycle_a" "f" (func $f (result i32)))
  (func (export "g") (result i32) (call $f))
)
