(module
  (import "err_cycle_a" "go" (func $go (result i32)))
  (func (export "go") (result i32) (call $go))
)
