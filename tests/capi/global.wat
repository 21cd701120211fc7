;; Imported and exported globals, mutable and immutable, of every number type.
(module
  (import "host" "const_i32" (global $ci i32))
  (import "host" "var_f64" (global $vf (mut f64)))
  (global $c64 (export "c64") i64 (i64.const -1234567890123))
  (global $v32 (export "v32") (mut i32) (i32.const 7))
  (global $vf32 (export "vf32") (mut f32) (f32.const 1.25))
  ;; initialised from an imported global
  (global $copy (export "copy") i32 (global.get $ci))
  (export "var_f64_again" (global $vf))
  (func (export "get_ci") (result i32) (global.get $ci))
  (func (export "get_vf") (result f64) (global.get $vf))
  (func (export "set_vf") (param f64) (global.set $vf (local.get 0)))
  (func (export "get_v32") (result i32) (global.get $v32))
  (func (export "bump_v32") (global.set $v32 (i32.add (global.get $v32) (i32.const 1))))
  (func (export "get_vf32") (result f32) (global.get $vf32))
)
