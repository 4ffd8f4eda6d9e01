// The adder in C: AddFloats returns x + y.
#include "adder_service.h"

void adder_service_add_floats(const vimana_grpc_imports_context_t *ctx,
                              const foo_bar_types_add_floats_request_t *request,
                              foo_bar_types_add_floats_response_t *ret) {
  (void)ctx;
  ret->result = request->x + request->y;
}
