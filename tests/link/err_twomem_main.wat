;; Main with its own memory, importing a function of "twomem": linked with
;; preloading this works (two instances, two memories); merged it would
;; need multi-memory.
(module
  (import "twomem" "peek" (func $peek (result i32)))
  (memory 1)
  (data (i32.const 0) "\07")
  (func (export "both") (result i32 i32) (call $peek) (i32.load8_u (i32.const 0)))
)
