;; Dependency "ops": an exported table filled by an active segment, a
;; passive segment, call_indirect, and a ref.func of a function that only
;; its (dropped) export declares.
(module
  (type $un (func (param i32) (result i32)))
  (table $t (export "table") 8 16 funcref)
  (elem (table $t) (i32.const 0) func $inc $dbl)
  (elem $pe func $neg $sq)
  (func $inc (type $un) (i32.add (local.get 0) (i32.const 1)))
  (func $dbl (type $un) (i32.mul (local.get 0) (i32.const 2)))
  (func $neg (type $un) (i32.sub (i32.const 0) (local.get 0)))
  (func $sq (type $un) (i32.mul (local.get 0) (local.get 0)))
  (func $cube (export "cube") (type $un)
    (i32.mul (local.get 0) (i32.mul (local.get 0) (local.get 0))))
  (func (export "apply") (param $slot i32) (param $x i32) (result i32)
    (call_indirect $t (type $un) (local.get $x) (local.get $slot)))
  (func (export "load_passive") (param $at i32)
    (table.init $t $pe (local.get $at) (i32.const 0) (i32.const 2))
    (elem.drop $pe))
  (func (export "set_cube") (param $at i32)
    (table.set $t (local.get $at) (ref.func $cube)))
)
