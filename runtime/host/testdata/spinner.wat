;; spin(ctx, {n}) never returns; crunch(ctx, {n}) mixes n numbers: a compute-bound loop.
(module
  (memory (export "memory") 1)
  (global $heap_base i32 (i32.const 1024))
  (global $next (mut i32) (i32.const 1024))

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

  (func (export "spin") (param i32 i32 i32) (result i64)
    (loop $forever
      (br $forever))
    (i64.const 0))

  (func (export "crunch") (param $headers i32) (param $headers_len i32) (param $n i32) (result i64)
    (local $i i32)
    (local $acc i64)
    (if (i32.eqz (local.get $n)) (then (return (i64.const 0))))
    (loop $next_number
      (local.set $acc
        (i64.add (local.get $acc)
          (i64.rotl
            (i64.mul (i64.extend_i32_u (local.get $i)) (i64.const 0x9e3779b97f4a7c15))
            (i64.const 31))))
      (local.set $acc (i64.xor (local.get $acc) (i64.shr_u (local.get $acc) (i64.const 29))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $next_number (i32.lt_u (local.get $i) (local.get $n))))
    (local.get $acc))

  (func (export "cabi_post_spin") (param i64)
    (global.set $next (global.get $heap_base)))

  (func (export "cabi_post_crunch") (param i64)
    (global.set $next (global.get $heap_base)))
)
