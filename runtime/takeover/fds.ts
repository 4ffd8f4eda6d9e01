// Listening sockets as plain descriptors. Copying one out of another process (Linux ≥ 5.6,
// pidfd_open + pidfd_getfd) is how a new vimanad takes the previous one's listening sockets. Simpler than SCM_RIGHTS over a Unix
// socket (which node:net cannot do) and it needs only the right to ptrace the other process —
// which root, vimanad's user, has over its own predecessor.
import { dlopen, ptr } from "bun:ffi";

// The same numbers on every Linux architecture (the unified syscall table since 5.1).
const SYS_PIDFD_OPEN = 434n;
const SYS_PIDFD_GETFD = 438n;

const AF_UNIX = 1;
const SOCK_STREAM_CLOEXEC_NONBLOCK = 1 | 0o2000000 | 0o4000;
const SUN_PATH_MAX = 107;

function open() {
  return dlopen("libc.so.6", {
    syscall: { args: ["i64", "i64", "i64", "i64"], returns: "i64" },
    close: { args: ["i32"], returns: "i32" },
    socket: { args: ["i32", "i32", "i32"], returns: "i32" },
    bind: { args: ["i32", "ptr", "u32"], returns: "i32" },
    listen: { args: ["i32", "i32"], returns: "i32" },
  }).symbols;
}
let libc: ReturnType<typeof open> | undefined;

function c(): ReturnType<typeof open> {
  libc ??= open();
  return libc;
}

/**
 * A listening Unix socket at `path`, as a bare descriptor. Not net.Server's own `listen(path)`:
 * Bun unlinks that path when the server closes, which would delete the socket from under the
 * vimanad that took it over.
 */
export function bindUnixSocket(path: string): number {
  if (Buffer.byteLength(path) > SUN_PATH_MAX) {
    throw new Error(`Cannot bind Unix socket '${path}': longer than ${SUN_PATH_MAX} bytes`);
  }
  const fd = c().socket(AF_UNIX, SOCK_STREAM_CLOEXEC_NONBLOCK, 0);
  if (fd < 0) throw new Error(`Cannot bind Unix socket '${path}': socket() failed`);
  const address = Buffer.alloc(2 + SUN_PATH_MAX + 1);
  address.writeUInt16LE(AF_UNIX, 0);
  address.write(path, 2);
  if (
    c().bind(fd, ptr(address), 2 + Buffer.byteLength(path) + 1) !== 0 ||
    c().listen(fd, 511) !== 0
  ) {
    c().close(fd);
    throw new Error(
      `Cannot bind Unix socket '${path}': bind or listen failed (in use, or no such directory)`,
    );
  }
  return fd;
}

/** Duplicates `fds` (numbers in process `pid`) into this process; throws naming the one that failed. */
export function copyFds(pid: number, fds: readonly number[]): number[] {
  const pidfd = Number(c().syscall(SYS_PIDFD_OPEN, BigInt(pid), 0n, 0n));
  if (pidfd < 0)
    throw new Error(
      `pidfd_open(${pid}) failed: is process ${pid} running, and is this Linux ≥ 5.6?`,
    );
  const copies: number[] = [];
  try {
    for (const fd of fds) {
      const copy = Number(c().syscall(SYS_PIDFD_GETFD, BigInt(pidfd), BigInt(fd), 0n));
      if (copy < 0) {
        for (const done of copies) c().close(done);
        throw new Error(
          `pidfd_getfd(pid ${pid}, fd ${fd}) failed (not permitted to ptrace it, or the fd is closed)`,
        );
      }
      copies.push(copy);
    }
  } finally {
    c().close(pidfd);
  }
  return copies;
}
