;; The module of the tern.h test (extensions.c): loops for fuel and epochs,
;; a memory and a table to grow against store limits, recursion for the call
;; depth, and a division for trap kinds.
(module
  (import "host" "tick" (func $tick))
  (memory (export "memory") 1)
  (table (export "table") 2 funcref)
  ;; loop(n) = n, after n trips round a loop
  (func (export "loop") (param $n i32) (result i32)
    (local $i i32)
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (local.get $i))
  ;; never returns by itself
  (func (export "spin") (loop $l (br $l)))
  ;; never returns by itself; calls the host on every trip
  (func (export "spin_tick") (loop $l (call $tick) (br $l)))
  (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
  (func (export "load") (param i32) (result i32) (i32.load (local.get 0)))
  (func (export "table_grow") (param i32) (result i32) (table.grow 0 (ref.null func) (local.get 0)))
  ;; recurse(n) = n, n calls deep
  (func $recurse (export "recurse") (param $n i32) (result i32)
    (if (result i32) (i32.eqz (local.get $n))
      (then (i32.const 0))
      (else (i32.add (i32.const 1) (call $recurse (i32.sub (local.get $n) (i32.const 1)))))))
  (func (export "div") (param i32 i32) (result i32) (i32.div_s (local.get 0) (local.get 1)))
)
