// A dev server on a copy of the examples, and clients for it: for the acceptance tests and the
// benchmark. The copy lives in a temporary directory, so tests edit files freely.
import { cp, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as grpc from "@grpc/grpc-js";
import { type DevServer, startDev } from "../index.ts";

export const ADD_FLOATS = "/foo.bar.AdderService/AddFloats";
const examples = join(import.meta.dir, "..", "..", "..", "examples");

export interface Harness {
  dir: string;
  server: DevServer;
  /** Every line written so far, stdout and stderr. */
  lines: string[];
  /** Rewrites a file of the copy: `edit("adder/adder.wat", (text) => …)`. */
  edit(path: string, change: (text: string) => string): Promise<void>;
  /** Resolves when a line matching `pattern` is written; lines already written count. */
  waitForLine(pattern: RegExp, after?: number): Promise<string>;
  close(): Promise<void>;
}

/** `from`: the project directory to copy (default: the examples). */
export async function startHarness(
  options: { requestLog?: boolean; from?: string } = {},
): Promise<Harness> {
  const dir = await mkdtemp(join(tmpdir(), "vimana-dev-test-"));
  const lines: string[] = [];
  const waiters: (() => void)[] = [];
  const push = (line: string) => {
    lines.push(...line.split("\n"));
    for (const wake of waiters.splice(0)) wake();
  };
  let server: DevServer | undefined;
  try {
    await cp(options.from ?? examples, join(dir, "project"), {
      recursive: true,
      filter: (source) => !source.includes("node_modules"),
    });
    server = await startDev({
      project: join(dir, "project", "vimana.yaml"),
      port: 0,
      cacheDir: join(dir, "cache"),
      requestLog: options.requestLog ?? false,
      out: push,
      err: push,
    });
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  const running = server;
  return {
    dir: join(dir, "project"),
    server: running,
    lines,
    async edit(path, change) {
      const file = join(dir, "project", path);
      await Bun.write(file, change(await Bun.file(file).text()));
    },
    async waitForLine(pattern, after = 0) {
      for (;;) {
        const found = lines.slice(after).find((line) => pattern.test(line));
        if (found !== undefined) return found;
        await new Promise<void>((wake) => waiters.push(wake));
      }
    },
    async close() {
      await running.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** AddFloatsRequest { x, y } as protobuf bytes (two fixed32 fields). */
function addFloatsRequest(x: number, y: number): Buffer {
  const bytes = Buffer.alloc(10);
  bytes[0] = 0x0d;
  bytes.writeFloatLE(x, 1);
  bytes[5] = 0x15;
  bytes.writeFloatLE(y, 6);
  return bytes;
}

/** AddFloatsResponse's `result` (0 when absent: proto3's default). */
function addFloatsResult(bytes: Buffer): number {
  return bytes.length >= 5 && bytes[0] === 0x0d ? bytes.readFloatLE(1) : 0;
}

export class GrpcAdder {
  readonly #client: grpc.Client;

  constructor(port: number, authority?: string) {
    this.#client = new grpc.Client(
      `127.0.0.1:${port}`,
      grpc.credentials.createInsecure(),
      authority ? { "grpc.default_authority": authority } : {},
    );
  }

  addFloats(x: number, y: number): Promise<number> {
    return new Promise((resolve, reject) => {
      this.#client.makeUnaryRequest(
        ADD_FLOATS,
        (request: Buffer) => request,
        (response: Buffer) => response,
        addFloatsRequest(x, y),
        (error, response) => (error ? reject(error) : resolve(addFloatsResult(response as Buffer))),
      );
    });
  }

  close(): void {
    this.#client.close();
  }
}

/** The JSON call; throws with the status and body when the answer is not 200. */
export async function jsonAddFloats(
  port: number,
  x: number,
  y: number,
  host?: string,
): Promise<number> {
  const response = await fetch(`http://127.0.0.1:${port}${ADD_FLOATS}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...(host && { host }) },
    body: JSON.stringify({ x, y }),
  });
  const text = await response.text();
  if (response.status !== 200) throw new Error(`HTTP ${response.status}: ${text}`);
  return (JSON.parse(text) as { result?: number }).result ?? 0;
}

/** The adder's arithmetic, swapped for the multiplier's and back. */
export const toMultiply = (wat: string) =>
  wat.replace("(f32.add (local.get", "(f32.mul (local.get");
export const toAdd = (wat: string) => wat.replace("(f32.mul (local.get", "(f32.add (local.get");
