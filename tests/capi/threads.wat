;; A function that calls back into the host, for the threads test.
(module
  (import "host" "get_id" (func $id (result i32)))
  (memory (export "memory") 1)
  ;; work(n) = id * 1000 + sum(1..n), keeping the running sum in memory
  (func (export "work") (param $n i32) (result i32)
    (local $i i32)
    (i32.store (i32.const 0) (i32.const 0))
    (block $done
      (loop $next
        (br_if $done (i32.gt_u (local.get $i) (local.get $n)))
        (i32.store (i32.const 0) (i32.add (i32.load (i32.const 0)) (local.get $i)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (i32.add (i32.mul (call $id) (i32.const 1000)) (i32.load (i32.const 0))))
)
