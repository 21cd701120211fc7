;; Two memories (multi-memory): the host's, imported as memory 0, and one of
;; its own, exported as "own" next to the import's re-export "host".
(module
  (import "host" "mem" (memory $host 1 2))
  (memory $own (export "own") 2)
  (export "host" (memory $host))
  (data (memory $own) (i32.const 8) "own")
  (func (export "load8_own") (param i32) (result i32)
    (i32.load8_u $own (local.get 0)))
  (func (export "store8_own") (param i32 i32)
    (i32.store8 $own (local.get 0) (local.get 1)))
  (func (export "load8_host") (param i32) (result i32)
    (i32.load8_u $host (local.get 0)))
)
