;; See tail_ping.wat.
(module
  (type $t (func (param i64 i64) (result i64)))
  (table (export "table") 1 funcref)
  (func $pong (export "pong") (type $t)
    (if (result i64) (i64.eqz (local.get 0)) (then (local.get 1))
      (else (return_call_indirect (type $t) (i64.sub (local.get 0) (i64.const 1)) (i64.add (local.get 1) (i64.const 1))
                                  (i32.const 0)))))
)
