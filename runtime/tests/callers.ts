// Clients that call pods continuously, as a Service's callers would during a restart or a
// takeover: each keeps one @grpc/grpc-js channel per pod (so a swap of processes has to move
// live HTTP/2 connections, not just new ones) and calls the pods in turn, one call at a time.
import * as grpc from "@grpc/grpc-js";

export interface CallerTotals {
  readonly calls: number;
  /** Each failed call: pod address and error. */
  readonly failures: readonly string[];
  /** The longest time any caller waited between two answers (ms). */
  readonly longestPauseMs: number;
}

export interface Callers {
  /** Answers so far, across callers. */
  answered(): number;
  /** Stops after the calls in flight; the totals. */
  stop(): Promise<CallerTotals>;
}

const CALL_DEADLINE_MS = 10_000;

function addFloatsRequest(x: number, y: number): Buffer {
  const request = Buffer.alloc(10);
  request.writeUInt8(0x0d, 0); // field 1, fixed32
  request.writeFloatLE(x, 1);
  request.writeUInt8(0x15, 5); // field 2, fixed32
  request.writeFloatLE(y, 6);
  return request;
}

function call(client: grpc.Client, x: number, y: number): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    client.makeUnaryRequest(
      "/foo.bar.AdderService/AddFloats",
      (bytes: Buffer) => bytes,
      (bytes: Buffer) => bytes,
      addFloatsRequest(x, y),
      new grpc.Metadata(),
      { deadline: Date.now() + CALL_DEADLINE_MS },
      (error, response) => {
        if (error) reject(error);
        else resolve(response === undefined || response.length === 0 ? 0 : response.readFloatLE(1));
      },
    );
  });
}

/** `count` callers, each calling every pod in `ips` in turn on `port` until stopped. */
export function startCallers(ips: readonly string[], port: number, count: number): Callers {
  let running = true;
  let answered = 0;
  let longestPauseMs = 0;
  const failures: string[] = [];
  const loops = Array.from({ length: count }, async (_, caller) => {
    const clients = ips.map(
      (ip) => new grpc.Client(`${ip}:${port}`, grpc.credentials.createInsecure()),
    );
    let last = performance.now();
    try {
      for (let i = caller; running; i++) {
        const at = i % ips.length;
        const x = i % 1000;
        try {
          const sum = await call(clients[at] as grpc.Client, x, 1);
          if (sum !== x + 1) failures.push(`${ips[at]}: AddFloats(${x}, 1) answered ${sum}`);
          else answered++;
        } catch (error) {
          failures.push(`${ips[at]}: ${(error as Error).message}`);
        }
        const now = performance.now();
        longestPauseMs = Math.max(longestPauseMs, now - last);
        last = now;
      }
    } finally {
      for (const client of clients) client.close();
    }
  });
  return {
    answered: () => answered,
    async stop() {
      running = false;
      await Promise.all(loops);
      return { calls: answered + failures.length, failures, longestPauseMs };
    },
  };
}
