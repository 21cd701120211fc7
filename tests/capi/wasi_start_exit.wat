;; A start function that calls proc_exit(3): instantiation ends the guest.
(module
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1)
  (func $start (call $exit (i32.const 3)))
  (start $start))
