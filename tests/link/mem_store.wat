;; Dependency "store": owns the memory (exported), an active and a passive
;; data segment, and functions over memory that the main module calls.
(module
  (memory (export "memory") 1 4)
  (data (i32.const 16) "hello from dep")
  (data $pd "PASSIVE-DEP")
  (func $sum (export "sum_bytes") (param $p i32) (param $n i32) (result i32)
    (local $s i32)
    (block $done
      (loop $next
        (br_if $done (i32.eqz (local.get $n)))
        (local.set $s (i32.add (local.get $s) (i32.load8_u (local.get $p))))
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $next)))
    (local.get $s))
  (func (export "poke") (param i32 i32) (i32.store8 (local.get 0) (local.get 1)))
  (func (export "init_passive") (param $dst i32)
    (memory.init $pd (local.get $dst) (i32.const 0) (i32.const 11))
    (data.drop $pd))
  (func (export "size") (result i32) (memory.size))
)
