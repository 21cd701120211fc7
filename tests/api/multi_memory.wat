;; Three memories for api/test_multi_memory.cc: "imported" from the host
;; (memory 0), and two defined ones, "data" (memory 1, with a data segment) and
;; "scratch" (memory 2). Each function names the memory it works on.
(module
  (import "host" "imported" (memory $imp 1))
  (memory $data (export "data") 1 3)
  (memory $scratch (export "scratch") 2)
  (export "imported" (memory $imp))
  (data (memory $data) (i32.const 16) "tern")
  (data $passive "multi")

  (func (export "load8") (param $mem i32) (param $a i32) (result i32)
    (if (result i32) (i32.eqz (local.get $mem))
      (then (i32.load8_u $imp (local.get $a)))
      (else (if (result i32) (i32.eq (local.get $mem) (i32.const 1))
        (then (i32.load8_u $data (local.get $a)))
        (else (i32.load8_u $scratch (local.get $a)))))))
  (func (export "store64") (param $a i32) (param $v i64)
    (i64.store $scratch offset=8 (local.get $a) (local.get $v)))
  (func (export "load64") (param $a i32) (result i64)
    (i64.load $scratch offset=8 (local.get $a)))
  (func (export "v128_roundtrip") (param $a i32) (param $b i32)
    ;; 16 bytes of memory 1 at $a to memory 2 at $b, through a v128, and
    ;; lane 3 (bytes) once more into memory 0 at $b.
    (v128.store $scratch (local.get $b) (v128.load $data (local.get $a)))
    (v128.store8_lane $imp 3 (local.get $b) (v128.load $data (local.get $a))))
  (func (export "sizes") (result i32 i32 i32)
    (memory.size $imp) (memory.size $data) (memory.size $scratch))
  (func (export "grow_data") (param $n i32) (result i32)
    (memory.grow $data (local.get $n)))
  (func (export "copy") (param $d i32) (param $s i32) (param $n i32)
    (memory.copy $scratch $data (local.get $d) (local.get $s) (local.get $n)))
  (func (export "fill") (param $d i32) (param $v i32) (param $n i32)
    (memory.fill $data (local.get $d) (local.get $v) (local.get $n)))
  (func (export "init") (param $d i32) (param $s i32) (param $n i32)
    (memory.init $scratch $passive (local.get $d) (local.get $s) (local.get $n)))
  ;; Memory 0 only: the JIT compiles this one.
  (func (export "load0") (param $a i32) (result i32)
    (i32.load8_u (local.get $a))))
