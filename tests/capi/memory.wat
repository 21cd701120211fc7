;; An exported memory with a data segment.
(module
  (memory (export "memory") 1 3)
  (data (i32.const 16) "hello, tern")
  (func (export "load8") (param i32) (result i32)
    (i32.load8_u (local.get 0)))
  (func (export "store32") (param i32 i32)
    (i32.store (local.get 0) (local.get 1)))
  (func (export "size") (result i32) (memory.size))
  (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
)
