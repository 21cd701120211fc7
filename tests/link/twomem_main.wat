;; Main with its own memory, importing a function of "twomem", which owns
;; another memory: linked, the two memories are kept (multi-memory), main's
;; as memory 0, and "peek" still reads the dependency's byte at address 0.
(module
  (import "twomem" "peek" (func $peek (result i32)))
  (import "twomem" "poke" (func $poke (param i32 i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "\07")
  (func (export "both") (result i32 i32) (call $peek) (i32.load8_u (i32.const 0)))
  ;; Writes 42 through the dependency at the same address, then reads both.
  (func (export "poke_both") (result i32 i32)
    (call $poke (i32.const 0) (i32.const 42))
    (i32.store8 (i32.const 1) (i32.const 9))
    (call $peek) (i32.load8_u (i32.const 0)))
)
