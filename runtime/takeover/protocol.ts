// The takeover conversation on `<state-dir>/takeover.sock`, one JSON object per line
// (docs/vimanad.md, "Takeover"):
//   new → old  {"type":"hello","pid":N}
//   old → new  {"type":"quiesced","pid":N,"cri":FD,"pods":{"<pod id hex>":FD,…}}
//              (CRI calls that change state are finished and new ones held; FDs are the old
//              process's listening sockets, which the new one copies with pidfd_getfd)
//   new → old  {"type":"ready"}     the new process serves every pod and the CRI socket
//   old → new  {"type":"draining"}  the old one passes on held calls, drains and exits
// Either side hanging up before "ready" calls the takeover off: the old process carries on.
import net from "node:net";
import { bindUnixSocket } from "./fds.ts";

export interface Quiesced {
  /** The old process, whose descriptors these are. */
  readonly pid: number;
  readonly cri: number;
  readonly pods: ReadonlyMap<string, number>;
}

export interface OfferHandlers {
  /** A new process asked: hold CRI calls, finish those in flight, name the listeners. */
  quiesce(): Promise<Quiesced>;
  /**
   * A step of the conversation: "quiesced" once that answer is written, "ready" when the new
   * process says so, before the answer (where the tests make the old process die).
   */
  reached?(step: "quiesced" | "ready"): void;
  /** The new process serves: drain and exit. */
  handOver(): void;
  /** The new process went away before it served: carry on. */
  callOff(reason: string): void;
}

/** The old side: listens for a takeover on `path` for as long as this vimanad runs. */
export async function offerTakeover(path: string, handlers: OfferHandlers): Promise<net.Server> {
  // A bare descriptor, so that closing this server never unlinks the successor's socket.
  const fd = bindUnixSocket(path);
  const server = net.createServer((socket) => {
    let state: "new" | "quiescing" | "quiesced" | "ready" | "gone" = "new";
    const callOff = (reason: string) => {
      if (state === "quiescing" || state === "quiesced") handlers.callOff(reason);
      if (state !== "ready") state = "gone";
    };
    readLines(socket, async (message) => {
      if (message.type === "hello" && state === "new") {
        state = "quiescing";
        const quiesced = await handlers.quiesce();
        if (state !== "quiescing") return; // called off meanwhile
        state = "quiesced";
        send(
          socket,
          {
            type: "quiesced",
            pid: quiesced.pid,
            cri: quiesced.cri,
            pods: Object.fromEntries(quiesced.pods),
          },
          () => handlers.reached?.("quiesced"),
        );
      } else if (message.type === "ready" && state === "quiesced") {
        state = "ready";
        handlers.reached?.("ready");
        send(socket, { type: "draining" });
        handlers.handOver();
      } else {
        socket.destroy();
        callOff(`unexpected message ${JSON.stringify(message)}`);
      }
    });
    socket.on("close", () => callOff("the new vimanad hung up before it served"));
    socket.on("error", () => {});
  });
  await new Promise<void>((resolve) => server.listen({ fd }, () => resolve()));
  return server;
}

export interface Takeover {
  readonly quiesced: Quiesced;
  /** Tells the old process this one serves; resolves when it has started draining. */
  ready(): Promise<void>;
  /** Calls the takeover off (the old process carries on). */
  callOff(): void;
}

/**
 * The new side: asks the vimanad listening on `path` to quiesce. Resolves undefined if none
 * listens there (nothing to take over).
 */
export async function requestTakeover(
  path: string,
  timeoutMs: number,
): Promise<Takeover | undefined> {
  const socket = net.connect(path);
  const connected = await new Promise<boolean>((resolve, reject) => {
    socket.once("connect", () => resolve(true));
    socket.once("error", (error: NodeJS.ErrnoException) => {
      if (error.code === "ENOENT" || error.code === "ECONNREFUSED") resolve(false);
      else reject(new Error(`Takeover: cannot connect to ${path}: ${error.message}`));
    });
  });
  if (!connected) return undefined;
  const messages: Record<string, unknown>[] = [];
  let wake: (() => void) | undefined;
  let closed = false;
  readLines(socket, async (message) => {
    messages.push(message);
    wake?.();
  });
  socket.on("close", () => {
    closed = true;
    wake?.();
  });
  const next = async (type: string): Promise<Record<string, unknown>> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const message = messages.shift();
      if (message !== undefined) {
        if (message.type !== type)
          throw new Error(`Takeover: expected ${type}, got ${JSON.stringify(message)}`);
        return message;
      }
      if (closed) throw new Error(`Takeover: the running vimanad hung up (waiting for ${type})`);
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(`Takeover: no ${type} from the running vimanad within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        wake = resolve;
        setTimeout(resolve, left);
      });
    }
  };
  try {
    send(socket, { type: "hello", pid: process.pid });
    const answer = await next("quiesced");
    const pods = new Map<string, number>();
    for (const [id, fd] of Object.entries((answer.pods ?? {}) as Record<string, unknown>)) {
      pods.set(id, expectFd(fd));
    }
    return {
      quiesced: { pid: expectFd(answer.pid), cri: expectFd(answer.cri), pods },
      async ready() {
        send(socket, { type: "ready" });
        await next("draining");
        socket.end();
      },
      callOff: () => socket.destroy(),
    };
  } catch (error) {
    socket.destroy();
    throw error;
  }
}

function expectFd(value: unknown): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < 0) {
    throw new Error(`Takeover: not a descriptor or pid: ${JSON.stringify(value)}`);
  }
  return value;
}

function send(socket: net.Socket, message: Record<string, unknown>, written?: () => void): void {
  socket.write(`${JSON.stringify(message)}\n`, written);
}

function readLines(
  socket: net.Socket,
  onMessage: (message: Record<string, unknown>) => Promise<void>,
): void {
  let buffered = "";
  let chain = Promise.resolve();
  socket.setEncoding("utf8");
  socket.on("data", (chunk: string) => {
    buffered += chunk;
    let newline = buffered.indexOf("\n");
    while (newline >= 0) {
      const line = buffered.slice(0, newline);
      buffered = buffered.slice(newline + 1);
      newline = buffered.indexOf("\n");
      let message: Record<string, unknown>;
      try {
        message = JSON.parse(line) as Record<string, unknown>;
      } catch {
        socket.destroy();
        return;
      }
      chain = chain
        .then(() => onMessage(message))
        .catch(() => {
          socket.destroy();
        });
    }
  });
}
