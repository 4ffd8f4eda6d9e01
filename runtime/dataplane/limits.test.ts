// The data-plane limits, each against a pod server started with small ones: advertised and
// enforced streams, 431 for oversized heads over both protocols, head and idle timeouts, and
// connection caps per pod and per process with the refusal logged.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtemp, rm } from "node:fs/promises";
import http2 from "node:http2";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ComponentHost } from "../host/index.ts";
import {
  connectRaw,
  FrameType,
  frame,
  headerBlock,
  oversizedHeaders,
} from "../tests/attacks/index.ts";
import {
  ConnectionBudget,
  type DataPlaneEvent,
  DEFAULT_LIMITS,
  type PodServer,
  startPodServer,
} from "./index.ts";
import { examplePod } from "./testdata/pods.ts";

let cacheDir: string;
let host: ComponentHost;
const servers: PodServer[] = [];
const events: DataPlaneEvent[] = [];
const limits = {
  ...DEFAULT_LIMITS,
  maxConcurrentStreams: 5,
  headersTimeoutMs: 300,
  idleTimeoutMs: 300,
  maxConnectionsPerPod: 3,
};

async function serve(
  connections = new ConnectionBudget(1000),
  overrides: Partial<typeof limits> = {},
): Promise<PodServer> {
  const server = await startPodServer({
    address: "127.0.0.1",
    port: 0,
    log: (event) => events.push(event),
    ...(await examplePod(host, "adder-wat")),
    limits: { ...limits, ...overrides },
    connections,
  });
  servers.push(server);
  return server;
}

/** Opens a TCP connection; resolves whether the server closed it within `ms`. */
function closedWithin(port: number, ms: number, send?: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: "127.0.0.1", port }, () => {
      if (send !== undefined) socket.write(send);
    });
    const timer = setTimeout(() => {
      socket.destroy();
      resolve(false);
    }, ms);
    socket.on("error", () => {});
    socket.on("close", () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

beforeAll(async () => {
  cacheDir = await mkdtemp(join(tmpdir(), "vimana-dataplane-limits-"));
  host = new ComponentHost({ cacheDir, log: () => {} });
});

afterAll(async () => {
  await Promise.all(servers.map((server) => server.stop(0)));
  await rm(cacheDir, { recursive: true, force: true });
});

describe("data-plane limits", () => {
  test("SETTINGS_MAX_CONCURRENT_STREAMS is advertised", async () => {
    const server = await serve();
    const session = http2.connect(`http://127.0.0.1:${server.port}`);
    const settings = await new Promise<http2.Settings>((resolve) =>
      session.once("remoteSettings", resolve),
    );
    session.close();
    expect(settings.maxConcurrentStreams).toBe(5);
  });

  test("an oversized head is answered 431, over HTTP/1.1 and HTTP/2", async () => {
    const server = await serve();
    expect(await oversizedHeaders("127.0.0.1", server.port, 20 * 1024)).toEqual({
      http1: "HTTP/1.1 431 Request Header Fields Too Large",
      http2: ":status 431",
    });
  });

  test("a connection that sends nothing, or half an HTTP/1.1 head, is closed after the head timeout", async () => {
    const server = await serve();
    expect(await closedWithin(server.port, 5000)).toBe(true);
    expect(await closedWithin(server.port, 5000, "POST / HTTP/1.1\r\nHost: x\r\nX-Slow: ")).toBe(
      true,
    );
  });

  test("an idle HTTP/2 connection gets GOAWAY", async () => {
    const server = await serve();
    const session = http2.connect(`http://127.0.0.1:${server.port}`);
    session.on("error", () => {});
    const goAway = await Promise.race([
      new Promise<boolean>((resolve) => session.once("goaway", () => resolve(true))),
      Bun.sleep(5000).then(() => false),
    ]);
    session.destroy();
    expect(goAway).toBe(true);
  });

  test("a peer whose connections keep ending in ENHANCE_YOUR_CALM has its next ones held unread; others are served", async () => {
    const server = await serve(undefined, { maxConnectionsPerPod: 100 });
    const flooder = "127.0.0.9";
    const block = headerBlock([
      [":method", "POST"],
      [":scheme", "http"],
      [":authority", "test"],
      [":path", "/"],
    ]);
    const flood = Buffer.concat([
      frame(FrameType.Headers, 0, 1, block),
      ...Array(100).fill(frame(FrameType.Continuation, 0, 1)),
    ]);
    const opened = [];
    try {
      for (let i = 0; i < limits.floodStrikes; i++) {
        const connection = await connectRaw("127.0.0.1", server.port, flooder);
        opened.push(connection);
        await connection.settled;
        connection.write(flood);
        for (let waited = 0; connection.goAwayCode() === undefined && waited < 5000; waited += 10) {
          await Bun.sleep(10);
        }
        expect(connection.goAwayCode()).toBe(11); // ENHANCE_YOUR_CALM
      }
      // The flooder's next connection gets nothing, not even SETTINGS, and is closed after the hold.
      const held = await connectRaw("127.0.0.1", server.port, flooder);
      opened.push(held);
      const started = performance.now();
      // Another address is served as ever.
      const other = await connectRaw("127.0.0.1", server.port, "127.0.0.10");
      opened.push(other);
      for (let waited = 0; !other.received.has(FrameType.Settings) && waited < 5000; waited += 10) {
        await Bun.sleep(10);
      }
      expect(other.received.has(FrameType.Settings)).toBe(true);
      await held.closed;
      expect(held.received.size).toBe(0);
      expect(performance.now() - started).toBeGreaterThanOrEqual(limits.floodHoldMs * 0.9);
      const warnings = events.filter((e) => e.kind === "warning").map((e) => e.message);
      expect(warnings).toContain(
        `HTTP/2 connection from ${flooder} ended with GOAWAY ENHANCE_YOUR_CALM: a header block of too many frames`,
      );
      expect(warnings.some((m) => m.startsWith(`Holding connections from ${flooder}`))).toBe(true);
    } finally {
      for (const connection of opened) connection.destroy();
    }
  }, 15_000);

  test("connections past the pod's cap, then past the process's, are closed at once and logged", async () => {
    const server = await serve();
    const held: net.Socket[] = [];
    const hold = (port: number) =>
      new Promise<void>((resolve) => {
        const socket = net.connect({ host: "127.0.0.1", port }, () => {
          // An HTTP/2 preface: decided connections live until the idle timeout.
          socket.write("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");
          resolve();
        });
        socket.on("error", () => {});
        held.push(socket);
      });
    try {
      for (let i = 0; i < 3; i++) await hold(server.port);
      expect(await closedWithin(server.port, 200)).toBe(true);
      expect(events.some((e) => e.kind === "warning" && /the pod has 3 open/.test(e.message))).toBe(
        true,
      );

      const shared = new ConnectionBudget(2);
      const [first, second] = [await serve(shared), await serve(shared)];
      await hold(first.port);
      await hold(second.port);
      expect(await closedWithin(second.port, 200)).toBe(true);
      expect(
        events.some(
          (e) => e.kind === "warning" && /vimanad has 2 pod connections open/.test(e.message),
        ),
      ).toBe(true);
      // A place freed is a place taken again.
      held.at(-1)?.destroy();
      await Bun.sleep(50);
      expect(await closedWithin(first.port, 100, "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n")).toBe(false);
    } finally {
      for (const socket of held) socket.destroy();
    }
  });
});
