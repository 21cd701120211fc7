;; Imports a function the dependency does not export.
(module
  (import "math" "add" (func $add (param i32 i32) (result i32)))
  (import "math" "nope" (func $nope (param i32) (result i32)))
  (func (export "go") (result i32) (call $nope (call $add (i32.const 1) (i32.const 2))))
)
