;; Main: a WASI command whose WASI imports stay imports (deduplicated with
;; the dependency's) and whose memory is the dependency's.
(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (import "printer" "memory" (memory 1))
  (import "printer" "hello" (func $hello))
  (data (i32.const 2048) "hello from main\n")
  (func (export "_start")
    (call $hello)
    (i32.store (i32.const 16) (i32.const 2048))
    (i32.store (i32.const 20) (i32.const 16))
    (drop (call $fd_write (i32.const 1) (i32.const 16) (i32.const 1) (i32.const 24)))
    (call $hello)
    (call $exit (i32.const 7)))
  (export "memory" (memory 0))
)
