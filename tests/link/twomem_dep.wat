;; Dependency "twomem" with a memory of its own that it uses: its loads,
;; stores and memory.size/grow/fill must stay on it once linked.
(module
  (memory 1 4)
  (data (i32.const 0) "\05")
  (func (export "peek") (result i32) (i32.load8_u (i32.const 0)))
  (func (export "poke") (param $a i32) (param $v i32)
    (i32.store8 (local.get $a) (local.get $v))
    (memory.fill (i32.const 100) (local.get $v) (i32.const 4))
    (drop (memory.grow (i32.const 1))))
  (func (export "pages") (result i32) (memory.size))
)
