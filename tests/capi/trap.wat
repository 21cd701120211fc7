;; Traps of several kinds, at different depths. Function indices are noted:
;; the test checks them in wasm_trap_trace.
(module
  (import "host" "boom" (func $boom))                                 ;; 0
  (memory 1)
  (func $crash (unreachable))                                         ;; 1
  (func $divide (param i32 i32) (result i32)                          ;; 2
    (i32.div_s (local.get 0) (local.get 1)))
  (func $level2 (call $crash))                                        ;; 3
  (func $level1 (call $level2))                                       ;; 4
  (func (export "deep") (call $level1))                               ;; 5
  (func (export "div") (param i32 i32) (result i32)                   ;; 6
    (call $divide (local.get 0) (local.get 1)))
  (func (export "overflow") (result i32)                              ;; 7
    (call $divide (i32.const 0x80000000) (i32.const -1)))
  (func (export "oob") (result i32)                                   ;; 8
    (i32.load (i32.const 70000)))
  (func (export "host") (call $boom))                                 ;; 9
  (func $forever (export "recurse") (call $forever))                  ;; 10
  (func (export "trunc") (result i32)                                 ;; 11
    (i32.trunc_f32_s (f32.const nan)))
)
