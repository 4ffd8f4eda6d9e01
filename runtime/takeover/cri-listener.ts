// The CRI socket as a net.Server whose connections are handed to the gRPC server, instead of
// grpc-js binding the path itself: so that the listening socket has a descriptor a takeover can
// pass on, and a new vimanad can serve on the very socket kubelet is connected to.
import { existsSync } from "node:fs";
import { unlink } from "node:fs/promises";
import net from "node:net";
import * as grpc from "@grpc/grpc-js";
import { bindUnixSocket } from "./fds.ts";

/** How long no CRI call must have run before a draining vimanad ends its connections. */
const QUIET_MS = 100;

export interface CriListener {
  /** The listening socket's descriptor. */
  readonly fd: number;
  /** Stops accepting at once; connections already made stay with the gRPC server. */
  close(): Promise<void>;
  /**
   * Resolves once every connection it accepted has closed, or after `graceMs`; connections are
   * ended once `idle()` (no call running) has held for a moment.
   */
  closed(graceMs: number, idle: () => boolean): Promise<void>;
}

/** Listens on `where` (a socket path, or an adopted descriptor) and feeds `server`. */
export async function listenCri(
  server: grpc.Server,
  where: { path: string } | { fd: number },
): Promise<CriListener> {
  const injector = server.createConnectionInjector(grpc.ServerCredentials.createInsecure());
  const open = new Set<net.Socket>();
  const listener = net.createServer((socket) => {
    open.add(socket);
    socket.once("close", () => open.delete(socket));
    injector.injectConnection(socket);
  });
  let fd: number;
  if ("path" in where) {
    await clearStaleSocket(where.path);
    fd = bindUnixSocket(where.path);
  } else {
    fd = where.fd;
  }
  await new Promise<void>((resolve, reject) => {
    listener.once("error", (error) =>
      reject(new Error(`Cannot serve CRI on socket fd ${fd}: ${error.message}`)),
    );
    listener.listen({ fd }, () => resolve());
  });
  return {
    fd,
    // Not awaiting close's callback: net.Server counts the connections it handed to grpc-js and
    // calls back only once they all ended, and kubelet's never ends (a takeover hung on it).
    close: async () => {
      listener.close();
    },
    // The gRPC server's shutdown sends GOAWAY and calls back before the clients have read the
    // last answers, and a grpc-js client keeps its connection open after a GOAWAY: so, once no
    // call has been running for a moment, the connections are ended (their answers flushed).
    closed: async (graceMs, idle) => {
      const deadline = Date.now() + graceMs;
      let quietSince = Date.now();
      while (open.size > 0 && Date.now() < deadline) {
        if (!idle()) quietSince = Date.now();
        else if (Date.now() - quietSince >= QUIET_MS) for (const socket of open) socket.end();
        await Bun.sleep(10);
      }
    },
  };
}

/** A socket file left by a crashed vimanad is removed; one something still serves on is not. */
async function clearStaleSocket(path: string): Promise<void> {
  if (!existsSync(path)) return;
  const answered = await new Promise<boolean>((resolve) => {
    const probe = net.connect(path);
    probe.once("connect", () => {
      probe.destroy();
      resolve(true);
    });
    probe.once("error", () => resolve(false));
  });
  if (answered) throw new Error(`Cannot bind Unix socket '${path}': another process serves on it`);
  await unlink(path);
}
