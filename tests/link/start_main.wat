;; Main: its start runs last.
(module
  (import "a" "memory" (memory 1))
  (import "a" "log" (global $log (mut i32)))
  (data (i32.const 3) "M")
  (func $start
    (global.set $log (i32.add (i32.mul (global.get $log) (i32.const 10)) (i32.const 3)))
    (i32.store8 (i32.const 4) (i32.load8_u (i32.const 3))))
  (start $start)
  (func (export "log") (result i32) (global.get $log))
  (func (export "bytes") (result i64) (i64.load (i32.const 0)))
)
