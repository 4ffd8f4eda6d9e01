// Connection- and frame-level attacks on one pod's data plane, each bounded in count and time.
// Each runs until `stop()` and reports what the server did to it.
import http2 from "node:http2";
import net from "node:net";
import { type Attack, LOWEST_PRIORITY, startAttackChild } from "./children.ts";
import {
  connectRaw,
  Flags,
  FrameType,
  frame,
  grpcRequestHeaders,
  headerBlock,
  type RawH2Connection,
} from "./h2-frames.ts";

export type { Attack } from "./children.ts";

const ADD_FLOATS = "/foo.bar.AdderService/AddFloats";

/**
 * A flood of empty CONTINUATION frames (flood-loops.ts), sent from a child process at the lowest
 * CPU priority: on a machine with few cores the flooding client's own CPU would otherwise be
 * taken from the healthy pod's load generator, which measures the machine, not vimanad. The
 * report says how many frames it sent.
 */
export function emptyContinuationFlood(host: string, port: number): Promise<Attack> {
  return startAttackChild(["flood-child.ts", "continuation", host, String(port)], LOWEST_PRIORITY);
}

/** Streams opened and reset at once, over and over (CVE-2023-44487), from a child as above. */
export function rapidReset(host: string, port: number): Promise<Attack> {
  return startAttackChild(["flood-child.ts", "rapid-reset", host, String(port)], LOWEST_PRIORITY);
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
  const children: Attack[] = [];
  for (let left = count; left > 0; left -= CONNECTIONS_PER_CHILD) {
    const each = String(Math.min(left, CONNECTIONS_PER_CHILD));
    children.push(await startAttackChild(["idle-heads-child.ts", host, String(port), each]));
  }
  return {
    async stop() {
      const reports: string[] = [];
      for (const child of children) reports.push(await child.stop());
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
