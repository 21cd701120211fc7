;; v128 through the C API (v128.c): exports with v128 params and results, a
;; host function and a host global of type v128, an exported v128 global.
(module
  (import "host" "swap" (func $swap (param i32 v128) (result v128 i32)))
  (import "host" "g" (global $hg (mut v128)))
  (global (export "eg") (mut v128) (v128.const i32x4 1 2 3 4))
  (func (export "add") (param v128 v128) (result v128)
    (i32x4.add (local.get 0) (local.get 1)))
  ;; the host's swap, called from Wasm with an i32 next to the v128
  (func (export "through_host") (param $k i32) (param $v v128) (result v128 i32)
    (call $swap (local.get $k) (local.get $v)))
  (func (export "hg_plus") (param v128) (result v128)
    (i64x2.add (global.get $hg) (local.get 0))))
