;; Imports env.memory with limits no memory can meet together with dd's.
(module
  (import "env" "memory" (memory 11 12))
  (import "dd" "h" (func $h (param i32) (result i32)))
  (func (export "go") (result i32) (call $h (i32.load (i32.const 0))))
)
