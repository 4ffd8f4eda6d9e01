;; The tester world (tester.wit) as a core module. Each export gets, flattened by the canonical
;; ABI, ctx.headers as (pointer, length) and request.data as (pointer, length); a blob result is
;; returned through memory: a pointer to its (pointer, length).
(module
  (memory (export "memory") 1)
  (global $heap_base i32 (i32.const 1024))
  (global $next (mut i32) (i32.const 1024))
  ;; Where a result's (pointer, length) is written.
  (global $return_area i32 (i32.const 8))

  ;; A bump allocator: post-return frees the whole call's arena at once.
  (func $cabi_realloc (export "cabi_realloc")
    (param $old_ptr i32) (param $old_size i32) (param $align i32) (param $new_size i32)
    (result i32)
    (local $ptr i32)
    (local $end i32)
    (local.set $ptr
      (i32.and
        (i32.add (global.get $next) (i32.sub (local.get $align) (i32.const 1)))
        (i32.sub (i32.const 0) (local.get $align))))
    (local.set $end (i32.add (local.get $ptr) (local.get $new_size)))
    (if (i32.gt_u (local.get $end) (i32.mul (memory.size) (i32.const 65536)))
      (then
        (if (i32.eq
              (memory.grow
                (i32.shr_u
                  (i32.add
                    (i32.sub (local.get $end) (i32.mul (memory.size) (i32.const 65536)))
                    (i32.const 65535))
                  (i32.const 16)))
              (i32.const -1))
          (then unreachable))))
    (memory.copy (local.get $ptr) (local.get $old_ptr)
      (select (local.get $old_size) (local.get $new_size)
        (i32.lt_u (local.get $old_size) (local.get $new_size))))
    (global.set $next (local.get $end))
    (local.get $ptr))

  (func (export "double")
    (param $headers i32) (param $headers_len i32) (param $data i32) (param $length i32)
    (result i32)
    (local $out i32)
    (local.set $out
      (call $cabi_realloc (i32.const 0) (i32.const 0) (i32.const 1)
        (i32.shl (local.get $length) (i32.const 1))))
    (memory.copy (local.get $out) (local.get $data) (local.get $length))
    (memory.copy (i32.add (local.get $out) (local.get $length)) (local.get $data) (local.get $length))
    (i32.store (global.get $return_area) (local.get $out))
    (i32.store offset=4 (global.get $return_area) (i32.shl (local.get $length) (i32.const 1)))
    (global.get $return_area))

  (func (export "fail") (param i32 i32 i32 i32) (result i32)
    unreachable)

  (func (export "spin") (param i32 i32 i32 i32) (result i32)
    (loop $forever
      (br $forever))
    unreachable)

  (func (export "cabi_post_double") (param i32)
    (global.set $next (global.get $heap_base)))
  (func (export "cabi_post_fail") (param i32)
    (global.set $next (global.get $heap_base)))
  (func (export "cabi_post_spin") (param i32)
    (global.set $next (global.get $heap_base)))
)
