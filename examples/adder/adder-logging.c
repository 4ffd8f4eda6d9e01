// The adder in C that says what it does: each AddFloats prints a line to stdout (and a note to
// stderr when a sum is not finite), which vimanad writes to the pod's log (`kubectl logs`).
#include <math.h>
#include <stdio.h>

#include "adder_service.h"

void adder_service_add_floats(const vimana_grpc_imports_context_t *ctx,
                              const foo_bar_types_add_floats_request_t *request,
                              foo_bar_types_add_floats_response_t *ret) {
  (void)ctx;
  ret->result = request->x + request->y;
  printf("AddFloats(%g, %g) = %g\n", request->x, request->y, ret->result);
  if (!isfinite(ret->result)) fprintf(stderr, "AddFloats: the sum is not finite\n");
  fflush(stdout);
}
