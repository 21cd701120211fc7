;; Dependency "twomem" with a memory of its own that it uses.
(module
  (memory 1)
  (data (i32.const 0) "\05")
  (func (export "peek") (result i32) (i32.load8_u (i32.const 0)))
)
