;; Host-function imports: with and without environment, several results,
;; a trap raised by the host, wrong results from the host, and recursion
;; that goes wasm -> host -> wasm -> ...
(module
  (import "env" "add" (func $add (param i32 i32) (result i32)))        ;; 0, with env
  (import "env" "scale" (func $scale (param i32 i32) (result i32)))    ;; 1, with env
  (import "env" "mul" (func $mul (param i64 i64) (result i64)))        ;; 2, no env
  (import "env" "split" (func $split (param i64) (result i32 i32 f32)));; 3, no env
  (import "env" "fail" (func $fail (param i32)))                       ;; 4, with env
  (import "env" "fact" (func $host_fact (param i32) (result i32)))     ;; 5, with env
  (import "env" "bad" (func $bad (result i32)))                        ;; 6, no env
  (func (export "call_add") (param i32 i32) (result i32)               ;; 7
    (call $add (local.get 0) (local.get 1)))
  (func (export "call_scale") (param i32 i32) (result i32)             ;; 8
    (call $scale (local.get 0) (local.get 1)))
  (func (export "call_mul") (param i64 i64) (result i64)               ;; 9
    (call $mul (local.get 0) (local.get 1)))
  (func (export "call_split") (param i64) (result i32 i32 f32)         ;; 10
    (call $split (local.get 0)))
  (func (export "sum_split") (param i64) (result i32)                  ;; 11
    (call $split (local.get 0))
    (drop)
    (i32.add))
  (func $inner_fail (param i32)                                        ;; 12
    (call $fail (local.get 0)))
  (func (export "call_fail") (param i32) (result i32)                  ;; 13
    (call $inner_fail (local.get 0))
    (i32.const 1))
  ;; fact(n) = n <= 1 ? 1 : n * host_fact(n - 1), where the host calls fact
  (func (export "fact") (param i32) (result i32)                       ;; 14
    (if (result i32) (i32.le_s (local.get 0) (i32.const 1))
      (then (i32.const 1))
      (else (i32.mul (local.get 0)
                     (call $host_fact (i32.sub (local.get 0) (i32.const 1)))))))
  (func (export "call_bad") (result i32)                               ;; 15
    (call $bad))
)
