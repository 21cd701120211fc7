;; The module of test_jit.cc's fault-handler scenarios, each run in a child
;; process: a load that faults on the guard region (a Wasm trap), and a call
;; out to a host function that faults in host code (not a Wasm trap).
(module
  (import "host" "fault" (func $fault))
  ;; One page: loads from 0x10000 up fault on the guard region.
  (memory (export "memory") 1)
  (func (export "load") (param i32) (result i32)
    (i32.load (local.get 0)))
  (func (export "call_host")
    (call $fault))
)
