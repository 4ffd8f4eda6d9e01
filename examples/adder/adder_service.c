// Canonical ABI glue for the `adder-service` world: what wit-bindgen's C generator emits,
// written out by hand so C examples need only clang and wasi-libc.
#include "adder_service.h"

#include <stdlib.h>

// The host allocates every lowered argument (strings, lists) through this export.
__attribute__((__export_name__("cabi_realloc"))) void *cabi_realloc(void *ptr, size_t old_size,
                                                                    size_t align,
                                                                    size_t new_size) {
  (void)old_size;
  if (new_size == 0) return (void *)align;
  void *ret = realloc(ptr, new_size);
  if (!ret) abort();
  return ret;
}

// A zero-length string or list may point at `align` rather than at an allocation.
static void free_string(adder_service_string_t *s) {
  if (s->len > 0) free(s->ptr);
}

static void free_context(vimana_grpc_imports_context_t *ctx) {
  for (size_t i = 0; i < ctx->headers.len; i++) {
    free_string(&ctx->headers.ptr[i].f0);
    free_string(&ctx->headers.ptr[i].f1);
  }
  if (ctx->headers.len > 0) free(ctx->headers.ptr);
}

// add-floats(ctx, request) -> response, flattened: ctx.headers as (pointer, length), the
// request record as its two floats, the response record as its one float.
__attribute__((__export_name__("add-floats"))) float export_add_floats(uint8_t *headers_ptr,
                                                                       size_t headers_len,
                                                                       float x, float y) {
  vimana_grpc_imports_context_t ctx = {
      .headers = {.ptr = (adder_service_tuple2_string_string_t *)headers_ptr, .len = headers_len}};
  foo_bar_types_add_floats_request_t request = {.x = x, .y = y};
  foo_bar_types_add_floats_response_t response = {0};
  adder_service_add_floats(&ctx, &request, &response);
  free_context(&ctx);
  return response.result;
}
