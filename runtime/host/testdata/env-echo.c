// echo-env returns the environment variable the request names, "" when it is unset.
#include "cabi.h"

static cabi_string result;

__attribute__((export_name("echo-env")))
cabi_string *echo_env(cabi_header *headers, size_t headers_len, char *name_ptr, size_t name_len) {
  cabi_free_headers(headers, headers_len);
  char *name = cabi_take_cstring((cabi_string){name_ptr, name_len});
  const char *value = getenv(name);
  free(name);
  result = cabi_string_from(value ? value : "");
  return &result;
}

__attribute__((export_name("cabi_post_echo-env")))
void echo_env_post_return(cabi_string *returned) {
  cabi_free_string(*returned);
}
