;; Main: imports from both; a global initialised from chain_mid's global,
;; which is itself initialised from chain_base's.
(module
  (import "chain_mid" "answer" (func $answer (result i32)))
  (import "chain_mid" "two" (func $two (result i32)))
  (import "chain_mid" "peek" (func $peek (param i32) (result i32)))
  (import "chain_mid" "k2" (global $k2 i32))
  (import "chain_base" "mem" (memory 1))
  (global $g i32 (global.get $k2))
  (func (export "run") (result i32 i32 i32 i32 i32 i32)
    (call $answer)
    (call $two)
    (global.get $g)
    (i32.load8_u (i32.const 8))
    (call $peek (i32.const 8))
    (i32.load8_u (i32.const 9)))
)
