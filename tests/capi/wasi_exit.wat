;; proc_exit called from an export, and a real trap next to it (wasi.c).
(module
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1)
  (func (export "boom") unreachable)
  (func (export "quit") (param i32) (call $exit (local.get 0))))
