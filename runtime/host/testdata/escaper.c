// escape tries to open and read the file at the request's path through wasi:filesystem, and says
// what happened: "read: <first line>" or "denied: <error>".
#include <errno.h>
#include <stdio.h>
#include "cabi.h"

static cabi_string result;

__attribute__((export_name("escape")))
cabi_string *escape(cabi_header *headers, size_t headers_len, char *path_ptr, size_t path_len) {
  cabi_free_headers(headers, headers_len);
  char *path = cabi_take_cstring((cabi_string){path_ptr, path_len});
  char outcome[256];
  FILE *file = fopen(path, "r");
  if (file) {
    char line[128] = "";
    fgets(line, sizeof line, file);
    fclose(file);
    snprintf(outcome, sizeof outcome, "read: %s", line);
  } else {
    snprintf(outcome, sizeof outcome, "denied: %s", strerror(errno));
  }
  free(path);
  result = cabi_string_from(outcome);
  return &result;
}

__attribute__((export_name("cabi_post_escape")))
void escape_post_return(cabi_string *returned) {
  cabi_free_string(*returned);
}
