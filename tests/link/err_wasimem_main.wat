;; Main with its own memory and the dependency "printer", which owns another
;; memory and calls WASI: merged, its fd_write would read main's memory (WASI
;; reads memory 0), so `tern link` refuses.
(module
  (import "printer" "hello" (func $hello))
  (memory (export "memory") 1)
  (func (export "_start") (call $hello))
)
