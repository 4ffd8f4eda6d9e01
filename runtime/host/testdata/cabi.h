// Canonical ABI helpers for the hand-written bindings of the host's C test components: each
// export receives the call context's headers and its request flattened, and owns them.
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
  char *ptr;
  size_t len;
} cabi_string;

typedef struct {
  cabi_string name;
  cabi_string value;
} cabi_header;

__attribute__((export_name("cabi_realloc")))
void *cabi_realloc(void *ptr, size_t old_size, size_t align, size_t new_size) {
  (void)old_size;
  if (new_size == 0) return (void *)align;
  void *grown = realloc(ptr, new_size);
  if (!grown) abort();
  return grown;
}

static void cabi_free_string(cabi_string s) {
  if (s.len > 0) free(s.ptr);
}

static void cabi_free_headers(cabi_header *headers, size_t len) {
  for (size_t i = 0; i < len; i++) {
    cabi_free_string(headers[i].name);
    cabi_free_string(headers[i].value);
  }
  if (len > 0) free(headers);
}

// A NUL-terminated copy of s; frees s.
static char *cabi_take_cstring(cabi_string s) {
  char *copy = malloc(s.len + 1);
  if (!copy) abort();
  memcpy(copy, s.ptr, s.len);
  copy[s.len] = '\0';
  cabi_free_string(s);
  return copy;
}

static cabi_string cabi_string_from(const char *text) {
  size_t len = strlen(text);
  char *ptr = len > 0 ? malloc(len) : NULL;
  if (len > 0 && !ptr) abort();
  memcpy(ptr, text, len);
  return (cabi_string){ptr, len};
}
