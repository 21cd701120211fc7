;; Dependency "chain_mid": imports chain_base, re-exports one of its
;; functions and defines a global from one of its globals.
(module
  (import "chain_base" "two" (func $two (result i32)))
  (import "chain_base" "k" (global $k i32))
  (import "chain_base" "mem" (memory 1))
  (global $k2 (export "k2") i32 (global.get $k))
  (func (export "answer") (result i32) (i32.add (global.get $k) (call $two)))
  (func (export "peek") (param i32) (result i32) (i32.load8_u (local.get 0)))
  (export "two" (func $two))
)
