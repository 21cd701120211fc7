;; Imports cfg.base (immutable) as a mutable global.
(module
  (import "cfg" "base" (global $base (mut i32)))
  (func (export "go") (result i32) (global.get $base))
)
