;; The second import is no WASI function: wasi_env_get_imports must name it.
(module
  (import "wasi_snapshot_preview1" "fd_write" (func (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "no_such_call" (func (param i32) (result i32)))
  (memory (export "memory") 1))
