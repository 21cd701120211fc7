;; Imports math.add with the wrong type.
(module
  (import "math" "add" (func $add (param i64 i64) (result i64)))
  (func (export "go") (result i64) (call $add (i64.const 1) (i64.const 2)))
)
