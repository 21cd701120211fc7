;; Mutual tail calls for tail_call_test.py: $even and $odd call each other
;; n times, by return_call and return_call_indirect, adding 1 and 2 to acc;
;; each ends its loop in its own way (acc, -acc, a host call, a trap).
(module
  (import "wasi_snapshot_preview1" "sched_yield" (func $yield (result i32)))
  (type $t (func (param i64 i64) (result i64)))
  (table 2 funcref)
  (elem (i32.const 0) $even $odd)
  (func $even (export "even") (type $t)
    (if (result i64) (i64.eqz (local.get 0)) (then (local.get 1))
      (else (return_call $odd (i64.sub (local.get 0) (i64.const 1)) (i64.add (local.get 1) (i64.const 1))))))
  (func $odd (type $t)
    (if (result i64) (i64.eqz (local.get 0)) (then (i64.sub (i64.const 0) (local.get 1)))
      (else (return_call_indirect (type $t) (i64.sub (local.get 0) (i64.const 1)) (i64.add (local.get 1) (i64.const 2))
                                  (i32.const 0)))))
  ;; n tail calls of itself, then one of the host's sched_yield (0 on success)
  (func $spin (export "spin") (param i64) (result i32)
    (if (i64.eqz (local.get 0)) (then (return_call $yield)))
    (return_call $spin (i64.sub (local.get 0) (i64.const 1))))
  ;; n tail calls, then a trap: the backtrace has $boom and its caller $main
  (func $boom (param i64) (result i32)
    (if (i64.eqz (local.get 0)) (then unreachable))
    (return_call $boom (i64.sub (local.get 0) (i64.const 1))))
  (func $main (export "main") (param i64) (result i32)
    (i32.add (call $boom (local.get 0)) (i32.const 1)))
  ;; the even/odd loop below a frame (in JIT code: not the entry frame)
  (func $nested (export "nested") (param i64) (result i64)
    (i64.add (call $even (local.get 0) (i64.const 0)) (i64.const 0)))
  ;; tail calls without end, for -W timeout
  (func $forever (export "forever") (param i64) (result i64)
    (return_call $forever (i64.add (local.get 0) (i64.const 1))))
)
