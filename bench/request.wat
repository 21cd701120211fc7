;; Instantiation benchmark module: one page of memory, a data segment, one small export.
(module
  (memory (export "memory") 1)
  (data (i32.const 0) "request-scoped data: 0123456789abcdef")
  (func (export "run") (param i32) (result i32)
    (i32.add (i32.load8_u (local.get 0)) (i32.const 1))))
