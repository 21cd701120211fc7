;; Dependency "a": owns the memory and a log global; its start function
;; appends 1 to the log and writes mem[1].
(module
  (memory (export "memory") 1)
  (global $log (export "log") (mut i32) (i32.const 0))
  (data (i32.const 0) "A")
  (func $start
    (global.set $log (i32.add (i32.mul (global.get $log) (i32.const 10)) (i32.const 1)))
    (i32.store8 (i32.const 1) (i32.const 0x61)))
  (start $start)
)
