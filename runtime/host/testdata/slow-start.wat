;; _initialize counts to 1000 in a loop: an initialization whose fuel cost (one unit at its entry,
;; one per iteration) is fixed by this source. A C component's is not: clang runs wasm-opt after
;; linking whenever one is on PATH (`bun run` puts node_modules/.bin there), and wasm-opt inlines
;; wasi-libc's empty constructor list, so `_initialize` then costs one unit instead of two.
;; warmed(ctx, {n}) returns the count, so a test can see that initialization ran.
(module
  (memory (export "memory") 1)
  (global $heap_base i32 (i32.const 1024))
  (global $next (mut i32) (i32.const 1024))
  (global $warmed (mut i64) (i64.const 0))

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

  ;; wit-component runs it once per instance, before any call, as it runs wasi-libc's.
  (func (export "_initialize")
    (loop $again
      (global.set $warmed (i64.add (global.get $warmed) (i64.const 1)))
      (br_if $again (i64.lt_u (global.get $warmed) (i64.const 1000)))))

  (func (export "warmed") (param i32 i32 i32) (result i64)
    (global.get $warmed))

  (func (export "cabi_post_warmed") (param i64)
    (global.set $next (global.get $heap_base)))
)
