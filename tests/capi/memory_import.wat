;; A memory imported from the host.
(module
  (import "host" "mem" (memory 1 2))
  (func (export "host_load32") (param i32) (result i32)
    (i32.load (local.get 0)))
  (func (export "host_store8") (param i32 i32)
    (i32.store8 (local.get 0) (local.get 1)))
  (func (export "host_grow") (param i32) (result i32) (memory.grow (local.get 0)))
)
