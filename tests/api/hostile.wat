;; Hostile guests for test_hostile.cc: bombs, a runaway loop and unbounded
;; recursion, each driven by the host through the C++ API.
(module
  (type $v (func))
  (memory (export "memory") 1)
  ;; Table 0 holds ping and pong; table 1 starts empty and is the bomb's.
  (table $funcs 2 funcref)
  (table $bomb (export "table") 0 funcref)
  (elem (table $funcs) (i32.const 0) func $ping $pong)

  ;; memory.grow by one page until it fails; returns the pages it got.
  (func (export "mem_bomb") (result i32)
    (block $done
      (loop $again
        (br_if $done (i32.eq (memory.grow (i32.const 1)) (i32.const -1)))
        (br $again)))
    (memory.size))

  (func (export "table_grow") (param i32) (result i32)
    (table.grow $bomb (ref.null func) (local.get 0)))

  ;; table.grow by `step` until it fails; returns the table's size.
  (func (export "table_bomb") (param $step i32) (result i32)
    (block $done
      (loop $again
        (br_if $done (i32.eq (table.grow $bomb (ref.null func) (local.get $step)) (i32.const -1)))
        (br $again)))
    (table.size $bomb))

  (func (export "spin") (loop $l (br $l)))

  (func $rec (export "rec") (call $rec))

  ;; Mutual recursion through call_indirect.
  (func $ping (export "ping") (call_indirect $funcs (type $v) (i32.const 1)))
  (func $pong (call_indirect $funcs (type $v) (i32.const 0))))
