;; Dependency "exc": defines tags (one exported, one its own), throws them,
;; and catches its own tag; main imports a tag and functions from here.
(module
  (tag $other (param i64))
  (tag $e (export "e") (param i32))
  (func $raise (export "raise") (param i32) (throw $e (local.get 0)))
  (func (export "raise_other") (throw $other (i64.const 5)))
  ;; Its own tag caught by its own code: 1 when `raise` threw it.
  (func (export "guard") (param i32) (result i32)
    (try (result i32)
      (do (call $raise (local.get 0)) (i32.const 0))
      (catch $e (drop) (i32.const 1))))
)
