;; An attacker for the isolation suite: AddFloats that grows its memory one page at a time until the cap
;; refuses, then traps: each call ends as "Memory limit exceeded".
;; The rest is the WAT adder's (examples/adder/adder.wat).
(module
  (memory (export "memory") 1)

  ;; Arguments are lowered into this memory through cabi_realloc before each call. A bump
  ;; allocator is enough: post-return frees the whole call's arena at once.
  (global $heap_base i32 (i32.const 1024))
  (global $next (mut i32) (i32.const 1024))

  (func $cabi_realloc (export "cabi_realloc")
    (param $old_ptr i32) (param $old_size i32) (param $align i32) (param $new_size i32)
    (result i32)
    (local $ptr i32)
    (local $end i32)
    ;; ptr = align_up(next, align)
    (local.set $ptr
      (i32.and
        (i32.add (global.get $next) (i32.sub (local.get $align) (i32.const 1)))
        (i32.sub (i32.const 0) (local.get $align))))
    (local.set $end (i32.add (local.get $ptr) (local.get $new_size)))
    ;; Grow memory to fit; a failed grow traps rather than corrupting memory.
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

  (func (export "add-floats")
    (param $headers_ptr i32) (param $headers_len i32) (param $x f32) (param $y f32)
    (result f32)
    (loop $more
      (br_if $more (i32.ne (memory.grow (i32.const 1)) (i32.const -1))))
    unreachable)

  (func (export "cabi_post_add-floats") (param $result f32)
    (global.set $next (global.get $heap_base)))
)
