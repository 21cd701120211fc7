;; Dependency "b": its data segment overwrites mem[1], which a's start
;; wrote (instantiation order: a's start runs before b's segments), and its
;; start calls through a table its own active segment fills.
(module
  (import "a" "memory" (memory 1))
  (import "a" "log" (global $log (mut i32)))
  (type $v (func))
  (table 1 funcref)
  (elem (i32.const 0) func $append)
  (data (i32.const 1) "B")
  (func $append
    (global.set $log (i32.add (i32.mul (global.get $log) (i32.const 10)) (i32.const 2))))
  (func $start
    (call_indirect (type $v) (i32.const 0))
    (i32.store8 (i32.const 2) (i32.load8_u (i32.const 1))))
  (start $start)
)
