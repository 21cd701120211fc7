;; Dependency "chain_base" (name from the file name): imported by
;; chain_mid and by the main module.
(module
  (global (export "k") i32 (i32.const 40))
  (func (export "two") (result i32) (i32.const 2))
  (memory (export "mem") 1)
  (data (i32.const 8) "\2a")
  ;; the only start function: it stays the output's start
  (func $start (i32.store8 (i32.const 9) (i32.add (i32.load8_u (i32.const 8)) (i32.const 1))))
  (start $start)
)
