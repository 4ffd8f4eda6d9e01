;; count(ctx, {n}) adds n to a total kept in the instance, so it persists from call to call on a
;; reused instance; trap(ctx, {n}) executes `unreachable`.
(module
  (memory (export "memory") 1)
  (global $heap_base i32 (i32.const 1024))
  (global $next (mut i32) (i32.const 1024))
  (global $total (mut i64) (i64.const 0))

  ;; A bump allocator for the call's arguments: post-return frees them all at once.
  (func (export "cabi_realloc")
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

  ;; Flattened by the canonical ABI: ctx.headers as (pointer, length), then request.n.
  (func (export "count") (param $headers i32) (param $headers_len i32) (param $n i32) (result i64)
    (global.set $total (i64.add (global.get $total) (i64.extend_i32_u (local.get $n))))
    (global.get $total))

  (func (export "cabi_post_count") (param i64)
    (global.set $next (global.get $heap_base)))

  (func (export "trap") (param i32 i32 i32) (result i64)
    unreachable)
)
