;; Host functions that throw or trap, called from Wasm in every way: from
;; an export, from deep recursion, through call_indirect (straight to the
;; host function, or to a Wasm function that calls it).
(module
  (import "host" "act" (func $act (param i32) (result i32)))
  (import "host" "check" (func $check (param i32) (result i32)))
  (import "host" "poke" (func $poke (param i32)))
  (type $i2i (func (param i32) (result i32)))
  (table (export "table") 3 funcref)
  (elem (i32.const 0) $act $check $call_act)

  (func $call_act (export "call_act") (param i32) (result i32)
    (call $act (local.get 0)))
  (func (export "call_check") (param i32) (result i32)
    (call $check (local.get 0)))
  (func (export "call_poke") (param i32)
    (call $poke (local.get 0)))
  ;; deep(n, x): n + 1 frames of deep, then act(x); adds n on the way out.
  (func $deep (export "deep") (param i32 i32) (result i32)
    (if (result i32) (i32.eqz (local.get 0))
      (then (call $act (local.get 1)))
      (else (i32.add (i32.const 1)
                     (call $deep (i32.sub (local.get 0) (i32.const 1)) (local.get 1))))))
  ;; indirect(i, x): table[i](x).
  (func (export "indirect") (param i32 i32) (result i32)
    (call_indirect (type $i2i) (local.get 1) (local.get 0)))
)
