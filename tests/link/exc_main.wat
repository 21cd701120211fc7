;; Main: imports a tag and functions from "exc", and has a tag of its own,
;; whose index moves when the dependency's tags come first in the output.
(module
  (import "exc" "e" (tag $e (param i32)))
  (import "exc" "raise" (func $raise (param i32)))
  (import "exc" "raise_other" (func $raise_other))
  (import "exc" "guard" (func $guard (param i32) (result i32)))
  (tag $mine (param f64))
  ;; The dependency's tag, thrown there and caught here with its value.
  (func (export "catch_dep") (param i32) (result i32)
    (try (result i32)
      (do (call $raise (local.get 0)) (i32.const 0))
      (catch $e (i32.add (i32.const 1000)))))
  ;; The dependency's own tag is no $e: only catch_all takes it.
  (func (export "catch_all_other") (result i32)
    (try (result i32)
      (do (call $raise_other) (i32.const 0))
      (catch $e)
      (catch_all (i32.const 7))))
  (func (export "own") (result f64)
    (try (result f64)
      (do (throw $mine (f64.const 2.5)))
      (catch $mine)))
  ;; rethrow and delegate name labels, not tags: copied as they are.
  (func (export "rethrow") (param i32) (result i32)
    (try (result i32)
      (do
        (try
          (do (try (do (call $raise (local.get 0))) (delegate 0)))
          (catch $e (drop) (rethrow 0)))
        (i32.const 0))
      (catch $e (i32.mul (i32.const 2)))))
  (func (export "guard") (param i32) (result i32) (call $guard (local.get 0)))
  (func (export "uncaught_dep") (call $raise (i32.const 3)))
  (func (export "uncaught_own") (throw $mine (f64.const 1)))
  (export "e" (tag $e))
  (export "mine" (tag $mine))
)
