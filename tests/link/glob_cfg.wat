;; Dependency "cfg": immutable and mutable globals, a funcref global.
(module
  (global $base (export "base") i32 (i32.const 1000))
  (global $one (export "one") i32 (i32.const 1))
  (global $counter (export "counter") (mut i64) (i64.const 5))
  (global $pi (export "pi") f64 (f64.const 3.25))
  (global $fref (export "fref") funcref (ref.func $seven))
  (func $seven (export "seven") (result i32) (i32.const 7))
  (func (export "bump") (result i64)
    (global.set $counter (i64.add (global.get $counter) (i64.const 1)))
    (global.get $counter))
  ;; a single start function; main's active element segments must wait for it
  (func $start (global.set $counter (i64.add (global.get $counter) (i64.const 100))))
  (start $start)
)
