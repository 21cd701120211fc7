;; Caught by real programs (zlib's inflate, bzip2's decoder, Lua's VM loop and
;; SQLite's VDBE all failed on the JIT; ../shared/repro in the project's
;; workspace): the JIT took back a loop head's cache promise.
;;
;; A loop head records which locals sit in which registers ("$x is in R") and
;; every back edge must put them back. A back edge reached when $x's register
;; had been reused, and no code since the head had read $x, dropped the
;; promise instead of reloading R (an optimization in restoreHeadCache). But
;; code compiled after the head had already relied on it: the other cases of
;; a br_table dispatch, the code after an `if` holding the back edge, and the
;; merge state of a block that a loop exit reached before the back edge was
;; compiled. On the second trip through the loop they read a stale R.
;;
;; Fixed by the invariant written at the top of jit/compiler.cc: a loop head's
;; state is fixed when the head is compiled and every back edge restores all
;; of it. Each function below reads a local on the second trip that was cached
;; before the loop and whose register was reused on the first trip.
;; expect: dispatch(i32:42) -> i32:45
;; expect: dispatch(i32:-9) -> i32:-6
;; expect: if_back_edge(i32:1000) -> i32:1002
;; expect: exit_first(i32:31) -> i32:31
;; expect: float_dispatch(f64:2.5) -> f64:5
;; expect: nested_float_exit(i32:1 i32:1) -> f32:0
;; expect: nested_float_exit(i32:0 i32:1) -> f32:884
(module
  (func $triple (param i32) (result i32)
    local.get 0
    i32.const 3
    i32.mul)
  ;; Works in float registers (the callee may reuse any of them).
  (func $halve_up (param i32) (result i32)
    local.get 0
    f64.convert_i32_s
    f64.const 0.5
    f64.mul
    f64.ceil
    i32.trunc_f64_s)

  ;; An interpreter-style dispatch loop: state 0 calls (clobbering every
  ;; register) and loops back; state 1 reads $keep.
  (func (export "dispatch") (param $n i32) (result i32)
    (local $keep i32) (local $state i32)
    local.get $n
    local.set $keep
    loop $next
      block $s1
        block $s0
          local.get $state
          br_table $s0 $s1 $s1
        end
        i32.const 1
        call $triple
        local.set $state
        br $next
      end
      local.get $keep
      local.get $state
      i32.add
      return
    end
    unreachable)

  ;; The back edge sits inside an `if` taken on the first trip only, after
  ;; enough live values to push every cached local out of its register.
  (func (export "if_back_edge") (param $n i32) (result i32)
    (local $keep i32) (local $trip i32)
    local.get $n
    local.set $keep
    loop $again
      local.get $trip
      i32.const 1
      i32.add
      local.tee $trip
      i32.const 1
      i32.eq
      if
        i32.const 11 i32.const 1 i32.sub
        i32.const 12 i32.const 1 i32.sub
        i32.const 13 i32.const 1 i32.sub
        i32.const 14 i32.const 1 i32.sub
        i32.const 15 i32.const 1 i32.sub
        i32.const 16 i32.const 1 i32.sub
        i32.const 17 i32.const 1 i32.sub
        i32.const 18 i32.const 1 i32.sub
        i32.const 19 i32.const 1 i32.sub
        i32.const 20 i32.const 1 i32.sub
        drop drop drop drop drop drop drop drop drop drop
        br $again
      end
      local.get $keep
      local.get $trip
      i32.add
      return
    end
    unreachable)

  ;; The loop's exit is compiled before its back edge, so the exit carries the
  ;; head's promise into the outer block's merge state.
  (func (export "exit_first") (param $n i32) (result i32)
    (local $keep i32) (local $done i32)
    local.get $n
    local.set $keep
    block $out
      loop $again
        local.get $done
        br_if $out
        i32.const 1 i32.const 2 i32.add
        i32.const 3 i32.const 4 i32.add
        i32.const 5 i32.const 6 i32.add
        i32.const 7 i32.const 8 i32.add
        i32.const 9 i32.const 10 i32.add
        i32.const 11 i32.const 12 i32.add
        i32.const 13 i32.const 14 i32.add
        i32.const 15 i32.const 16 i32.add
        i32.const 17 i32.const 18 i32.add
        i32.const 19 i32.const 20 i32.add
        drop drop drop drop drop drop drop drop drop drop
        i32.const 1
        local.set $done
        br $again
      end
      unreachable
    end
    local.get $keep)

  ;; The same in the float register class.
  (func (export "float_dispatch") (param $x f64) (result f64)
    (local $keep f64) (local $state i32)
    local.get $x
    local.set $keep
    loop $next
      block $s1
        block $s0
          local.get $state
          br_table $s0 $s1
        end
        i32.const 1
        call $halve_up
        local.set $state
        br $next
      end
      local.get $keep
      local.get $keep
      f64.add
      return
    end
    unreachable)

  ;; Found by tests/diff/gen_shapes.py (reduced with wasm-reduce): nested
  ;; loops entered with $x cached in a float register; the inner loop's back
  ;; edge (inside an if that sets $x) dropped the promise, while the inner
  ;; loop's exit, compiled earlier, carried "$x is in R" through the outer
  ;; back edge to the read after both loops.
  (func (export "nested_float_exit") (param $outer i32) (param $inner i32) (result f32)
    (local $x f32)
    f32.const 884
    local.set $x
    loop $l1
      local.get $outer
      if
        i32.const 0
        local.set $outer
        loop $l2
          local.get $inner
          if
            i32.const 0
            local.set $inner
            f32.const 0
            local.set $x
            br $l2
          end
        end
        br $l1
      end
    end
    local.get $x))
