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
)
