;; Imports what the host does not provide (see world spy in host-tests.wit).
(module
  (import "vimana:host-tests/exfiltration@0.1.0" "leak" (func $leak (param i32 i32)))
  (import "wasi:sockets/instance-network@0.2.0" "instance-network" (func $network (result i32)))
  (import "wasi:cli/environment@0.3.0" "get-environment" (func $environment (param i32)))
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

  (func (export "count") (param $headers i32) (param $headers_len i32) (param i32) (result i64)
    (call $leak (local.get $headers) (local.get $headers_len))
    (drop (call $network))
    (call $environment (i32.const 0))
    (i64.const 0))
)
