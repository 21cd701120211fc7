;; References through calls and globals.
(module
  (import "host" "check" (func $check (param externref funcref) (result externref)))
  (global (export "gref") (mut externref) (ref.null extern))
  (global (export "gfunc") (mut funcref) (ref.null func))
  (func (export "id_ext") (param externref) (result externref) (local.get 0))
  (func (export "id_func") (param funcref) (result funcref) (local.get 0))
  (func (export "is_null") (param externref) (result i32) (ref.is_null (local.get 0)))
  (func $f (export "f") (result i32) (i32.const 11))
  (func (export "get_f") (result funcref) (ref.func $f))
  (func (export "via_host") (param externref) (result externref)
    (call $check (local.get 0) (ref.func $f)))
)
