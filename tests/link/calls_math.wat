;; Dependency "math": pure functions, one calling another, one recursive.
(module
  (type $bin (func (param i32 i32) (result i32)))
  (func $add (export "add") (type $bin) (i32.add (local.get 0) (local.get 1)))
  (func $mul (export "mul") (type $bin) (i32.mul (local.get 0) (local.get 1)))
  ;; sum of squares through the two exported functions
  (func (export "sumsq") (param i32 i32) (result i32)
    (call $add (call $mul (local.get 0) (local.get 0))
               (call $mul (local.get 1) (local.get 1))))
  (func $fact (export "fact") (param i64) (result i64)
    (if (result i64) (i64.le_s (local.get 0) (i64.const 1))
      (then (i64.const 1))
      (else (i64.mul (local.get 0) (call $fact (i64.sub (local.get 0) (i64.const 1)))))))
  ;; multi-value and a block type that names a type index
  (func (export "divmod") (param i32 i32) (result i32 i32)
    local.get 0
    local.get 1
    block (type $bin) (param i32 i32) (result i32)
      i32.add
    end
    drop
    (i32.div_u (local.get 0) (local.get 1))
    (i32.rem_u (local.get 0) (local.get 1)))
  (func (export "f64hyp") (param f64 f64) (result f64)
    (f64.sqrt (f64.add (f64.mul (local.get 0) (local.get 0)) (f64.mul (local.get 1) (local.get 1)))))
)
