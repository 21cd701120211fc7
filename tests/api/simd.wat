;; v128 through frames, calls, globals, tables and memory, for test_simd.cc.
;; Scalars sit between the v128 values in params, locals, results, block
;; types and the operand stack, so that every slot offset is exercised (a
;; v128 takes two frame slots).
(module
  (type $vv (func (param v128) (result v128)))
  (type $vi_v (func (param v128 i32) (result v128)))
  (import "host" "vadd" (func $vadd (param v128 v128) (result v128)))
  (import "host" "mix" (func $mix (param i32 v128 f64) (result v128 i64)))
  (import "host" "vneg" (func $vneg (type $vv)))
  (global $g (export "g") (mut v128) (v128.const i32x4 1 2 3 4))
  (table 3 funcref)
  (elem (i32.const 0) $double $vneg $vadd)
  (memory (export "mem") 1)

  (func $double (export "double") (param v128) (result v128)
    (i32x4.add (local.get 0) (local.get 0)))

  ;; (b, v + splat(a), a + lane 3 of that)
  (func (export "mixed") (param $a i32) (param $v v128) (param $b i64) (result i64 v128 i32)
    (local $f f32) (local $w v128) (local $c i32)
    (local.set $w (i32x4.add (local.get $v) (i32x4.splat (local.get $a))))
    (local.set $c (i32.add (local.get $a) (i32x4.extract_lane 3 (local.get $w))))
    (local.get $b) (local.get $w) (local.get $c))

  ;; br_table carrying (v128 i32): 0 -> (y, 11), 1 -> (x, 101), else (x, 1)
  (func (export "pick") (param $i i32) (param $x v128) (param $y v128) (result v128 i32)
    (block $outer (result v128 i32)
      (block $b2 (result v128 i32)
        (block $b1 (result v128 i32)
          (local.get $x) (i32.const 1)
          (local.get $i)
          (br_table $b1 $b2 $outer))
        (i32.const 10) (i32.add) (local.set $i)
        (drop) (local.get $y) (local.get $i)
        (br $outer))
      (i32.const 100) (i32.add)))

  ;; if with (v128 i32) params; then select: c != 0 -> x + splat(3), else x,
  ;; and the result of select(that, y, c2).
  (func (export "cond") (param $c i32) (param $x v128) (param $y v128) (param $c2 i32) (result v128)
    (i64.const 5)
    (local.get $x) (i32.const 3) (local.get $c)
    (if (type $vi_v) (param v128 i32) (result v128)
      (then (i32x4.splat) (i32x4.add))
      (else (drop)))
    (local.get $y) (local.get $c2)
    (select)
    (return)
    (drop))

  ;; An i64 below v128 values across calls: direct, to the host, indirect
  ;; (table: 0 double, 1 the host's vneg, 2 vadd of another type).
  (func (export "calls") (param $x v128) (param $y v128) (param $k i32) (result i64 v128)
    (i64.const 9)
    (call $double (local.get $x))
    (call $vadd (local.get $y))
    (call_indirect (type $vv) (local.get $k))
    (i64.const 1)
    (drop))

  ;; The host's (v128 i64) results next to scalar arguments.
  (func (export "via_mix") (param $a i32) (param $v v128) (param $d f64) (result v128 i64)
    (local $r v128)
    (call $mix (local.get $a) (local.get $v) (local.get $d))
    (i64.const 2) (i64.mul)
    (local.set 0 (i32.const 0))
    (i64.const 0) (drop)
    (return))

  (func (export "get_g") (result v128) (global.get $g))
  (func (export "set_g") (param v128) (global.set $g (local.get 0)))

  ;; Stores x at addr, reads it back with v128.load, then replaces lane 1
  ;; (32 bits) from addr + 8 with load32_lane.
  (func (export "mem_rt") (param $addr i32) (param $x v128) (result v128)
    (v128.store (local.get $addr) (local.get $x))
    (v128.load32_lane offset=8 1 (local.get $addr) (v128.load (local.get $addr))))
)
