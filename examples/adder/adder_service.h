// C bindings of the `adder-service` world (adder.wit), in the shape wit-bindgen's C generator
// gives them: implement `adder_service_add_floats`; adder_service.c does the canonical ABI.
#ifndef ADDER_SERVICE_H
#define ADDER_SERVICE_H

#include <stddef.h>
#include <stdint.h>

typedef struct adder_service_string_t {
  uint8_t *ptr;
  size_t len;
} adder_service_string_t;

typedef struct adder_service_tuple2_string_string_t {
  adder_service_string_t f0;
  adder_service_string_t f1;
} adder_service_tuple2_string_string_t;

typedef struct adder_service_list_tuple2_string_string_t {
  adder_service_tuple2_string_string_t *ptr;
  size_t len;
} adder_service_list_tuple2_string_string_t;

// vimana:grpc/imports@1.0.0 `context`: the call's request headers.
typedef struct vimana_grpc_imports_context_t {
  adder_service_list_tuple2_string_string_t headers;
} vimana_grpc_imports_context_t;

// foo:bar/types@1.2.3 `add-floats-request` and `add-floats-response`.
typedef struct foo_bar_types_add_floats_request_t {
  float x;
  float y;
} foo_bar_types_add_floats_request_t;

typedef struct foo_bar_types_add_floats_response_t {
  float result;
} foo_bar_types_add_floats_response_t;

// Export `add-floats`. The bindings own `ctx` and `request` and free them after the call.
void adder_service_add_floats(const vimana_grpc_imports_context_t *ctx,
                              const foo_bar_types_add_floats_request_t *request,
                              foo_bar_types_add_floats_response_t *ret);

#endif
