;; With tail_pong.wat (preloaded as "pong"): ping and pong are functions of
;; two instances that tail-call each other, pong through its table, where
;; ping's element segment puts ping.
(module
  (type $t (func (param i64 i64) (result i64)))
  (import "pong" "pong" (func $pong (type $t)))
  (import "pong" "table" (table 1 funcref))
  (elem (i32.const 0) $ping)
  (func $ping (export "ping") (type $t)
    (if (result i64) (i64.eqz (local.get 0)) (then (i64.sub (i64.const 0) (local.get 1)))
      (else (return_call $pong (i64.sub (local.get 0) (i64.const 1)) (i64.add (local.get 1) (i64.const 2))))))
)
