;; A start function that traps: instantiation fails with that trap.
(module
  (import "host" "f" (func $f (param i32)))                           ;; 0
  (func $helper (call $f (i32.const 1)) (unreachable))                ;; 1
  (func $start (call $helper))                                        ;; 2
  (start $start)
)
