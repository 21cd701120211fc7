;; Calls another instance's function that traps.
(module
  (import "other" "deep" (func $deep))                                ;; 0
  (func (export "run") (call $deep))                                  ;; 1
)
