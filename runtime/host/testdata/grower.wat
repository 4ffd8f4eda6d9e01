;; grow(ctx, {n}) grows memory n pages at a time, writing to every 4 KiB of each new page so the
;; memory is really used, until growth fails; then it traps, as an allocator does when memory
;; runs out.
(module
  (memory (export "memory") 1)
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

  (func (export "grow") (param i32 i32) (param $n i32) (result i64)
    (local $page i32)
    (local $address i32)
    (local $end i32)
    (if (i32.eqz (local.get $n)) (then unreachable))
    (loop $more
      (local.set $page (memory.grow (local.get $n)))
      (if (i32.eq (local.get $page) (i32.const -1)) (then unreachable))
      (local.set $address (i32.mul (local.get $page) (i32.const 65536)))
      (local.set $end (i32.mul (i32.add (local.get $page) (local.get $n)) (i32.const 65536)))
      (loop $touch
        (i32.store (local.get $address) (i32.const 1))
        (local.set $address (i32.add (local.get $address) (i32.const 4096)))
        (br_if $touch (i32.lt_u (local.get $address) (local.get $end))))
      (br $more))
    (i64.const 0))
)
