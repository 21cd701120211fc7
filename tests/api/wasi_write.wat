;; Writes "hi\n" to stdout through WASI's fd_write; returns its errno.
(module
  (import "wasi_snapshot_preview1" "fd_write"
    (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 16) "hi\n")
  (func (export "write") (result i32)
    (i32.store (i32.const 0) (i32.const 16))  ;; iovec.buf
    (i32.store (i32.const 4) (i32.const 3))   ;; iovec.len
    (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))
)
