;; Main: imports functions from "math" and calls them; its own function
;; indices shift when the imports are replaced by definitions.
(module
  (import "math" "add" (func $add (param i32 i32) (result i32)))
  (import "math" "sumsq" (func $sumsq (param i32 i32) (result i32)))
  (import "math" "fact" (func $fact (param i64) (result i64)))
  (import "math" "divmod" (func $divmod (param i32 i32) (result i32 i32)))
  (import "math" "f64hyp" (func $hyp (param f64 f64) (result f64)))
  (func $twice (param i32) (result i32) (call $add (local.get 0) (local.get 0)))
  (func (export "compute") (param i32 i32) (result i32)
    (call $twice (call $sumsq (local.get 0) (local.get 1))))
  (func (export "fact") (param i64) (result i64) (call $fact (local.get 0)))
  (func (export "divmod") (param i32 i32) (result i32 i32)
    (call $divmod (local.get 0) (local.get 1)))
  (func (export "hyp") (param f64 f64) (result f64) (call $hyp (local.get 0) (local.get 1)))
  ;; an imported function re-exported directly
  (export "add" (func $add))
)
