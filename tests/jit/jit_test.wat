;; The module tests/jit/test_jit.cc drives: accesses that fault on the guard
;; region, traps of every other kind, recursion, and a long computation with
;; a known result.
(module
  ;; One page (64 KiB): every address from 0x10000 up is outside it, in the
  ;; reservation the JIT leaves unmapped (PROT_NONE) so that a load there
  ;; faults instead of being checked.
  (memory (export "memory") 1)

  (func (export "load") (param i32) (result i32)
    (i32.load (local.get 0)))
  (func (export "store") (param i32 i32)
    (i32.store (local.get 0) (local.get 1)))
  (func (export "div") (param i32 i32) (result i32)
    (i32.div_s (local.get 0) (local.get 1)))
  (func (export "unreachable")
    (unreachable))

  (func $fib (export "fib") (param i32) (result i32)
    (if (result i32) (i32.lt_u (local.get 0) (i32.const 2))
      (then (local.get 0))
      (else (i32.add (call $fib (i32.sub (local.get 0) (i32.const 1)))
                     (call $fib (i32.sub (local.get 0) (i32.const 2)))))))

  ;; Unbounded recursion: traps "call stack exhausted".
  (func $recurse (export "recurse") (param i32) (result i32)
    (i32.add (call $recurse (i32.add (local.get 0) (i32.const 1))) (i32.const 1)))

  ;; depth(n) recurses n frames deep and returns n.
  (func $depth (export "depth") (param i32) (result i32)
    (if (result i32) (i32.eqz (local.get 0))
      (then (i32.const 0))
      (else (i32.add (call $depth (i32.sub (local.get 0) (i32.const 1))) (i32.const 1)))))

  ;; trap_at_depth(n) recurses n frames deep, then loads from the guard
  ;; region: the trap unwinds all n frames.
  (func $trap_at_depth (export "trap_at_depth") (param i32) (result i32)
    (if (result i32) (i32.eqz (local.get 0))
      (then (i32.load (i32.const 0x10000)))
      (else (i32.add (call $trap_at_depth (i32.sub (local.get 0) (i32.const 1))) (i32.const 1)))))

  ;; churn(n, seed): clears the first 16 KiB, then n times xors a hash of
  ;; (i, seed) into a word of it chosen by the hash and adds the word to a
  ;; sum. test_jit.cc computes the same in C++.
  (func (export "churn") (param $n i32) (param $seed i32) (result i64)
    (local $i i32) (local $a i32) (local $p i32) (local $sum i64)
    (loop $clear
      (i32.store (local.get $p) (i32.const 0))
      (local.set $p (i32.add (local.get $p) (i32.const 4)))
      (br_if $clear (i32.lt_u (local.get $p) (i32.const 16384))))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $a (i32.add (i32.mul (local.get $i) (i32.const 0x9E3779B1)) (local.get $seed)))
        (local.set $p (i32.and (i32.shr_u (local.get $a) (i32.const 16)) (i32.const 0x3ffc)))
        (i32.store (local.get $p) (i32.xor (i32.load (local.get $p)) (local.get $a)))
        (local.set $sum (i64.add (local.get $sum) (i64.extend_i32_u (i32.load (local.get $p)))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (local.get $sum))
)
