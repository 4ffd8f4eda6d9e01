// Copies of a listening socket's descriptor, one per worker: each worker's server closes its own
// when the pod stops, and the others keep accepting from the same socket until theirs close.
import { dlopen } from "bun:ffi";

const F_DUPFD_CLOEXEC = 1030;

function open() {
  return dlopen("libc.so.6", {
    fcntl: { args: ["i32", "i32", "i32"], returns: "i32" },
    close: { args: ["i32"], returns: "i32" },
  }).symbols;
}
let libc: ReturnType<typeof open> | undefined;

function c(): ReturnType<typeof open> {
  libc ??= open();
  return libc;
}

/** A new descriptor for the same socket (close-on-exec, as every other of vimanad's). */
export function duplicateFd(fd: number): number {
  const copy = c().fcntl(fd, F_DUPFD_CLOEXEC, 0);
  if (copy < 0) throw new Error(`Cannot duplicate descriptor ${fd} (fcntl F_DUPFD_CLOEXEC failed)`);
  return copy;
}

export function closeFd(fd: number): void {
  c().close(fd);
}
