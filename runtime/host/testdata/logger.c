// log-lines writes the request's texts to stdout and stderr and returns the bytes written;
// quit calls exit(n); nap sleeps n milliseconds.
#include <stdio.h>
#include <time.h>
#include "cabi.h"

__attribute__((export_name("log-lines")))
uint64_t log_lines(cabi_header *headers, size_t headers_len, char *out_ptr, size_t out_len,
                   char *err_ptr, size_t err_len) {
  cabi_free_headers(headers, headers_len);
  fwrite(out_ptr, 1, out_len, stdout);
  fflush(stdout);
  fwrite(err_ptr, 1, err_len, stderr);
  cabi_free_string((cabi_string){out_ptr, out_len});
  cabi_free_string((cabi_string){err_ptr, err_len});
  return out_len + err_len;
}

__attribute__((export_name("quit")))
uint64_t quit(cabi_header *headers, size_t headers_len, uint32_t status) {
  cabi_free_headers(headers, headers_len);
  printf("exiting with %u\n", status);
  exit((int)status);
}

__attribute__((export_name("nap")))
uint64_t nap(cabi_header *headers, size_t headers_len, uint32_t ms) {
  cabi_free_headers(headers, headers_len);
  struct timespec duration = {ms / 1000, (long)(ms % 1000) * 1000000};
  nanosleep(&duration, NULL);
  return ms;
}
