;; v128 values across JIT control flow, locals, calls and register pressure
;; (test_jit_simd.cc computes what each export must return).
(module
  (memory 1)
  (type $vv (func (param v128 i32) (result v128)))
  (table 2 funcref)
  (elem (i32.const 0) $double $negate)
  (func $double (type $vv) (i32x4.add (local.get 0) (i32x4.splat (local.get 1))))
  (func $negate (type $vv) (i32x4.sub (i32x4.splat (local.get 1)) (local.get 0)))

  ;; sum over i < n of i * (1, 2, 3, 4), lanes added: 10 * n(n-1)/2
  (func (export "loop_acc") (param $n i32) (result i32)
    (local $acc v128) (local $i i32) (local $k v128)
    (local.set $k (v128.const i32x4 1 2 3 4))
    (block $out
      (loop $top
        (br_if $out (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $acc (i32x4.add (local.get $acc) (i32x4.mul (local.get $k) (i32x4.splat (local.get $i)))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $top)))
    (i32.add (i32.add (i32x4.extract_lane 0 (local.get $acc)) (i32x4.extract_lane 1 (local.get $acc)))
             (i32.add (i32x4.extract_lane 2 (local.get $acc)) (i32x4.extract_lane 3 (local.get $acc)))))

  ;; 17 vectors live at once (more than the vector registers): lane 0 of
  ;; their sum, (2x + 1) + the sum of x + k for k in 2..17, minus x
  (func (export "pressure") (param $x i32) (result i32)
    (local $v v128)
    (local.set $v (i32x4.splat (local.get $x)))
    (i32x4.add (i32x4.add (local.get $v) (v128.const i32x4 1 0 0 0)) (local.get $v))
    (i32x4.add (local.get $v) (v128.const i32x4 2 0 0 0))
    (i32x4.add (local.get $v) (v128.const i32x4 3 0 0 0))
    (i32x4.add (local.get $v) (v128.const i32x4 4 0 0 0))
    (i32x4.add (local.get $v) (v128.const i32x4 5 0 0 0))
    (i32x4.add (local.get $v) (v128.const i32x4 6 0 0 0))
    (i32x4.add (local.get $v) (v128.const i32x4 7 0 0 0))
    (i32x4.add (local.get $v) (v128.const i32x4 8 0 0 0))
    (i32x4.add (local.get $v) (v128.const i32x4 9 0 0 0))
    (i32x4.add (local.get $v) (v128.const i32x4 10 0 0 0))
    (i32x4.add (local.get $v) (v128.const i32x4 11 0 0 0))
    (i32x4.add (local.get $v) (v128.const i32x4 12 0 0 0))
    (i32x4.add (local.get $v) (v128.const i32x4 13 0 0 0))
    (i32x4.add (local.get $v) (v128.const i32x4 14 0 0 0))
    (i32x4.add (local.get $v) (v128.const i32x4 15 0 0 0))
    (i32x4.add (local.get $v) (v128.const i32x4 16 0 0 0))
    (i32x4.add (local.get $v) (v128.const i32x4 17 0 0 0))
    (i32x4.add) (i32x4.add) (i32x4.add) (i32x4.add) (i32x4.add) (i32x4.add) (i32x4.add) (i32x4.add)
    (i32x4.add) (i32x4.add) (i32x4.add) (i32x4.add) (i32x4.add) (i32x4.add) (i32x4.add) (i32x4.add)
    (i32x4.extract_lane 0)
    (i32.sub (local.get $x)))

  ;; a v128 block result by br_if, and select: (c ? 7 : 9) + 100 * (c ? 5 : 6)
  (func (export "block_select") (param $c i32) (result i32)
    (block (result v128)
      (v128.const i32x4 0 0 7 0)
      (br_if 0 (local.get $c))
      (drop)
      (v128.const i32x4 0 0 9 0))
    (i32x4.extract_lane 2)
    (i32x4.extract_lane 1 (select (v128.const i32x4 0 5 0 0) (v128.const i32x4 0 6 0 0) (local.get $c)))
    (i32.mul (i32.const 100))
    (i32.add))

  ;; if with a v128 and an i32 parameter and two results (k: splat(x) + 1
  ;; and x + 1, else splat(x) << 1 and 2x), then br_table with a v128
  ;; result: lane 3 * 1000 * (min(k, 2) + 1) + the i32
  (func (export "if_table") (param $x i32) (param $k i32) (result i32)
    (local $r v128) (local $n i32)
    (i32x4.splat (local.get $x)) (local.get $x)
    (if (param v128 i32) (result v128 i32) (local.get $k)
      (then (i32.add (i32.const 1)) (local.set $n) (i32x4.add (v128.const i32x4 1 1 1 1)) (local.get $n))
      (else (i32.mul (i32.const 2)) (local.set $n) (i32x4.shl (i32.const 1)) (local.get $n)))
    (local.set $n)
    (local.set $r)
    (block $b2 (result v128)
      (block $b1 (result v128)
        (block $b0 (result v128)
          (local.get $r)
          (br_table $b0 $b1 $b2 (local.get $k)))
        (return (i32.add (i32.mul (i32x4.extract_lane 3) (i32.const 1000)) (local.get $n))))
      (return (i32.add (i32.mul (i32x4.extract_lane 3) (i32.const 2000)) (local.get $n))))
    (i32x4.extract_lane 3)
    (i32.mul (i32.const 3000))
    (local.get $n)
    (i32.add))

  ;; mixed slots: i32, v128, f64, v128 in; f64, v128, i32 out
  (func $mix (param i32 v128 f64 v128) (result f64 v128 i32)
    (f64.add (local.get 2) (f64.convert_i32_s (local.get 0)))
    (i32x4.sub (local.get 1) (local.get 3))
    (i32.mul (local.get 0) (i32.const 3)))
  ;; (y + x) + lane 0 of (a - b) + 3x, a = splat(10y), b = splat(y)
  (func (export "mixed_call") (param $x i32) (param $y i32) (result i32)
    (local $i i32) (local $d f64)
    (call $mix (local.get $x) (i32x4.splat (i32.mul (local.get $y) (i32.const 10))) (f64.convert_i32_s (local.get $y))
               (i32x4.splat (local.get $y)))
    (local.set $i)
    (i32x4.extract_lane 0)
    (local.set $i (i32.add (local.get $i)))
    (local.set $d)
    (i32.add (i32.trunc_f64_s (local.get $d)) (local.get $i)))

  ;; call_indirect with a v128 argument and result: k ? (y - splat) : splat + x, lane 1
  (func (export "indirect") (param $x i32) (param $k i32) (result i32)
    (call_indirect (type $vv) (v128.const i32x4 5 6 7 8) (local.get $x) (local.get $k))
    (i32x4.extract_lane 1))

  ;; A loop back edge that restores an f64 and a v128 local to their head
  ;; registers, the f64 into the register the v128 is in (one register
  ;; file): the v128 must move out first. The head has $a in one xmm and $v
  ;; in another; after the call $v is loaded into $a's and $a into a third.
  ;; Returns the sum of a = 1..n: n(n + 1)/2.
  (func $nop)
  (func (export "backedge") (param $n i32) (result f64)
    (local $a f64) (local $v v128) (local $i i32)
    (local.set $a (f64.const 1))
    (v128.const f64x2 0 0)
    (local.set $v (v128.const f64x2 0 0))
    (drop)
    (loop $l
      (f64.store (i32.const 0) (local.get $a))
      (v128.store (i32.const 16) (f64x2.add (local.get $v) (f64x2.splat (f64.load (i32.const 0)))))
      (call $nop)
      (v128.load (i32.const 16))
      (local.set $a (f64.add (f64.load (i32.const 0)) (f64.const 1)))
      (local.set $v)
      (br_if $l (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1))) (local.get $n))))
    (f64x2.extract_lane 0 (local.get $v)))

  ;; local.set from a slot picks the register by the local's type, by index
  ;; (after a v128 local the slot is not the index): 7 + p.
  (func (export "locals_mixed") (param $p f64) (result i64)
    (local $v v128) (local $x f64) (local $w v128)
    (local.set $w (v128.const i64x2 7 9))
    (local.set $x (local.get $p))
    (call $nop)  ;; $w from its slot
    (i64.add (i64x2.extract_lane 0 (local.get $w)) (i64.trunc_f64_s (local.get $x))))
)
