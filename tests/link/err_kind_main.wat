;; Imports math.add as a global.
(module
  (import "math" "add" (global $add i32))
  (func (export "go") (result i32) (global.get $add))
)
