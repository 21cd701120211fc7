;; The shape of a C++ program built with -fwasm-exceptions (Debian's
;; wasi-libc has no C++ runtime with Wasm exceptions, so it is written by
;; hand): an exception object (a code and a payload) thrown several frames
;; down, a frame with a destructor (catch_all, clean up, rethrow), a frame
;; whose catch is for another type, and a catch by tag that reads the
;; payload; the same through a host function that calls back into Wasm, a
;; tag the host throws, and a tag that has no export name.
(module
  (import "host" "callback" (func $callback (param i32 i32) (result i32)))
  (import "host" "raise" (func $raise (param i32)))
  (import "host" "error" (tag $host_error (param i32)))   ;; tag 0
  (tag $err (export "err") (param i32 i64))               ;; tag 1: code, payload
  (tag $other (export "other"))                           ;; tag 2
  (tag $hidden)                                           ;; tag 3
  (global $cleanups (export "cleanups") (mut i32) (i32.const 0))

  ;; func 2: n frames down, throws err{code, code * 1000} (code 0: returns n).
  (func $thrower (export "thrower") (param $n i32) (param $code i32) (result i32)
    (if (i32.eqz (local.get $n))
      (then
        (if (local.get $code)
          (then
            (local.get $code)
            (i64.mul (i64.extend_i32_u (local.get $code)) (i64.const 1000))
            (throw $err)))
        (return (i32.const 0))))
    (i32.add (call $thrower (i32.sub (local.get $n) (i32.const 1)) (local.get $code)) (i32.const 1)))

  ;; func 3: no handler and no throw, so the JIT compiles it: exceptions
  ;; cross its frame.
  (func $middle (param i32 i32) (result i32)
    (call $thrower (local.get 0) (local.get 1)))

  ;; func 4: a destructor.
  (func $cleanup (param i32 i32) (result i32)
    (try (result i32)
      (do (call $middle (local.get 0) (local.get 1)))
      (catch_all
        (global.set $cleanups (i32.add (global.get $cleanups) (i32.const 1)))
        (rethrow 0))))

  ;; func 5: catches another type only.
  (func $wrong_catch (param i32 i32) (result i32)
    (try (result i32)
      (do (call $cleanup (local.get 0) (local.get 1)))
      (catch $other (i32.const -1))))

  ;; code + payload of the exception, or the depth when none is thrown.
  (func (export "catch_err") (param $n i32) (param $code i32) (result i64)
    (local $c i32) (local $p i64)
    (try (result i64)
      (do (i64.extend_i32_u (call $wrong_catch (local.get $n) (local.get $code))))
      (catch $err
        (local.set $p)
        (local.set $c)
        (i64.add (i64.extend_i32_u (local.get $c)) (local.get $p)))))

  ;; The host's callback calls "thrower" (code, code): the exception leaves
  ;; the host function and is caught here.
  (func (export "via_host") (param $code i32) (result i64)
    (local $c i32) (local $p i64)
    (try (result i64)
      (do (i64.extend_i32_u (call $callback (local.get $code) (local.get $code))))
      (catch $err
        (local.set $p)
        (local.set $c)
        (i64.add (i64.extend_i32_u (local.get $c)) (local.get $p)))))

  ;; The host raises its tag with the value; caught, plus one.
  (func (export "catch_host") (param i32) (result i32)
    (try (result i32)
      (do (call $raise (local.get 0)) (i32.const -1))
      (catch $host_error (i32.add (i32.const 1)))))

  (func (export "throw_hidden") (throw $hidden))

  ;; func 9: delegate. The inner try hands what $cleanup raises to the outer
  ;; try's catch (code + 1); with $code 100 it delegates to the caller
  ;; instead, out of this function, from a try nested in the outer's body.
  (func $delegating (param $n i32) (param $code i32) (result i32)
    (try (result i32)
      (do
        (try (result i32)
          (do
            (if (result i32) (i32.eq (local.get $code) (i32.const 100))
              (then
                (try (result i32)
                  (do (call $cleanup (local.get $n) (local.get $code)))
                  (delegate 3)))
              (else (call $cleanup (local.get $n) (local.get $code)))))
          (delegate 0)))
      (catch $err (drop) (i32.add (i32.const 1)))))

  ;; code + 1 from the delegate's handler; 100 delegated to the caller is
  ;; caught here as 100 * 1000 + 100.
  (func (export "delegate") (param $n i32) (param $code i32) (result i64)
    (local $c i32) (local $p i64)
    (try (result i64)
      (do (i64.extend_i32_s (call $delegating (local.get $n) (local.get $code))))
      (catch $err
        (local.set $p)
        (local.set $c)
        (i64.add (i64.extend_i32_u (local.get $c)) (local.get $p)))))

  ;; Thrown at depth $n (10,000 in the tests) with code 77, caught at the
  ;; top.
  (func $deep (param $n i32) (result i32)
    (if (i32.eqz (local.get $n))
      (then (throw $err (i32.const 77) (i64.const 0))))
    (i32.add (call $deep (i32.sub (local.get $n) (i32.const 1))) (i32.const 1)))
  (func (export "deep") (param $n i32) (result i32)
    (try (result i32)
      (do (call $deep (local.get $n)))
      (catch $err (drop))))

  ;; $n iterations, each throwing from a frame below and catching in the
  ;; loop, then throwing and catching in the same frame: the sum of the
  ;; caught codes, twice.
  (func $raise_err (param i32) (throw $err (local.get 0) (i64.extend_i32_u (local.get 0))))
  (func (export "loop") (param $n i32) (result i64)
    (local $i i32) (local $sum i64)
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (try
          (do (call $raise_err (local.get $i)))
          (catch $err
            (local.set $sum (i64.add (local.get $sum)))
            (drop)))
        (try
          (do (throw $err (local.get $i) (i64.extend_i32_u (local.get $i))))
          (catch_all))
        (local.set $sum (i64.add (local.get $sum) (i64.extend_i32_u (local.get $i))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (local.get $sum))
)
