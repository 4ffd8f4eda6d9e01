;; Returns its argument. The record flattens to more than 16 values, so the canonical ABI
;; passes it in memory (a pointer) and returns the result in memory too, in the same layout.
(module
  (memory (export "memory") 1)
  (global $next (mut i32) (i32.const 1024))

  ;; A bump allocator; post-return frees the whole call at once.
  (func (export "cabi_realloc")
    (param $old i32) (param $old_size i32) (param $align i32) (param $size i32) (result i32)
    (local $ptr i32) (local $end i32)
    (local.set $ptr
      (i32.and
        (i32.add (global.get $next) (i32.sub (local.get $align) (i32.const 1)))
        (i32.sub (i32.const 0) (local.get $align))))
    (local.set $end (i32.add (local.get $ptr) (local.get $size)))
    (if (i32.gt_u (local.get $end) (i32.mul (memory.size) (i32.const 65536)))
      (then
        (if (i32.eq
              (memory.grow
                (i32.add
                  (i32.shr_u
                    (i32.sub (local.get $end) (i32.mul (memory.size) (i32.const 65536)))
                    (i32.const 16))
                  (i32.const 1)))
              (i32.const -1))
          (then unreachable))))
    (memory.copy (local.get $ptr) (local.get $old)
      (select (local.get $old_size) (local.get $size)
        (i32.lt_u (local.get $old_size) (local.get $size))))
    (global.set $next (local.get $end))
    (local.get $ptr))

  (func (export "echo") (param $value i32) (result i32)
    (local.get $value))

  (func (export "cabi_post_echo") (param i32)
    (global.set $next (i32.const 1024)))
)
