;; Imports a memory, a table and a global (api.wat's exports).
(module
  (import "api" "memory" (memory 1))
  (import "api" "table" (table 2 funcref))
  (import "api" "counter" (global (mut i32)))
  (func (export "size") (result i32) (memory.size)))
