// Acceptance of `vimana dev` (issue #8): a dev server on a copy of the examples, called over
// gRPC and JSON while its files are edited.
import { afterEach, describe, expect, test } from "bun:test";
import {
  GrpcAdder,
  type Harness,
  jsonAddFloats,
  startHarness,
  toAdd,
  toMultiply,
} from "./testdata/harness.ts";

const CANONICAL = "00000000000000000000000000000001.app.vimana.host";
let harness: Harness | undefined;
const clients: GrpcAdder[] = [];

afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  await harness?.close();
  harness = undefined;
});

async function start(options: { requestLog?: boolean } = {}): Promise<Harness> {
  harness = await startHarness(options);
  return harness;
}

function grpcClient(h: Harness, authority?: string): GrpcAdder {
  const client = new GrpcAdder(h.server.port, authority);
  clients.push(client);
  return client;
}

/** Calls until the answer is `expected` (a reload lands between two calls). */
async function untilAnswer(call: () => Promise<number>, expected: number): Promise<void> {
  while ((await call()) !== expected) await Bun.sleep(5);
}

const f32 = Math.fround;

describe("vimana dev on the examples", () => {
  test("answers AddFloats over gRPC and JSON, routed by host, one log line each", async () => {
    const h = await start({ requestLog: true });
    expect(await grpcClient(h).addFloats(3.5, -1.2)).toBe(f32(f32(3.5) + f32(-1.2)));
    expect(await grpcClient(h, CANONICAL).addFloats(2, 3)).toBe(5);
    expect(await jsonAddFloats(h.server.port, 3.5, -1.2)).toBeCloseTo(2.3, 5);
    expect(await jsonAddFloats(h.server.port, 1, 2, "api.vimana.host")).toBe(3);
    await expect(jsonAddFloats(h.server.port, 1, 2, "other.example")).rejects.toThrow(
      /HTTP 404: .*no Domain serves host other.example/,
    );
    await expect(grpcClient(h, "other.example").addFloats(1, 2)).rejects.toThrow(
      /no Domain serves host other.example/,
    );
    await h.waitForLine(/ grpc 127\.0\.0\.1:\d+\/foo\.bar\.AdderService\/AddFloats → 1\.0\.0 OK /);
    await h.waitForLine(
      / http api\.vimana\.host\/foo\.bar\.AdderService\/AddFloats → 1\.0\.0 200 /,
    );
    await h.waitForLine(/ grpc other\.example\/foo\.bar\.AdderService\/AddFloats NOT_FOUND /);
  });

  test("prints the table with the grpcurl and curl lines", async () => {
    const h = await start();
    const port = h.server.port;
    const text = h.lines.join("\n");
    expect(text).toContain("Domain foo-domain: 00000000000000000000000000000001.app.vimana.host");
    expect(text).toMatch(/1\.0\.0 +weight 1 \(100%\)/);
    expect(text).toContain(
      `grpcurl -plaintext -authority ${CANONICAL} -d '{"x":3.5,"y":-1.2}' 127.0.0.1:${port} foo.bar.AdderService/AddFloats`,
    );
    expect(text).toContain(
      `grpcurl -plaintext -authority ${CANONICAL} -import-path ${h.dir}/adder -proto adder.proto -d '{"x":3.5,"y":-1.2}' 127.0.0.1:${port} foo.bar.AdderService/AddFloats`,
    );
    expect(text).toContain(
      `curl -H 'host: ${CANONICAL}' -H 'content-type: application/json' -d '{"x":3.5,"y":-1.2}' http://127.0.0.1:${port}/foo.bar.AdderService/AddFloats`,
    );
  });

  test("an edit swaps in; a broken edit keeps the old version and names file:line", async () => {
    const h = await start();
    const client = grpcClient(h);
    expect(await client.addFloats(3, 4)).toBe(7);
    await h.edit("adder/adder.wat", toMultiply);
    await untilAnswer(() => client.addFloats(3, 4), 12);
    expect(await h.waitForLine(/↻ .*adder\.wat: the-adder-server@1\.0\.0 swapped in/)).toMatch(
      /build \d+ ms, swap \d+ ms/,
    );

    const before = h.lines.length;
    await h.edit("adder/adder.wat", (wat) => wat.replace("(f32.mul (local.get $x)", "(f32.mul ("));
    expect(await h.waitForLine(/✗ .*adder\/adder\.wat:\d+:\d+: /, before)).toContain(
      `${h.dir}/adder/adder.wat:`,
    );
    await h.waitForLine(/still serving the previous version/, before);
    expect(await client.addFloats(3, 4)).toBe(12);
    expect(await jsonAddFloats(h.server.port, 3, 4)).toBe(12);

    await h.edit("adder/adder.wat", (wat) =>
      toAdd(wat.replace("(f32.mul (", "(f32.mul (local.get $x)")),
    );
    await untilAnswer(() => client.addFloats(3, 4), 7);
  });

  test("20 reloads under back-to-back load: no call fails, each answer is old or new", async () => {
    const h = await start();
    const grpc = grpcClient(h);
    const answers = new Map<number, number>();
    const failures: unknown[] = [];
    let loading = true;
    const loop = async (call: () => Promise<number>) => {
      while (loading) {
        try {
          const answer = await call();
          answers.set(answer, (answers.get(answer) ?? 0) + 1);
        } catch (error) {
          failures.push(error);
        }
      }
    };
    const loads = [
      loop(() => grpc.addFloats(3, 4)),
      loop(() => grpc.addFloats(3, 4)),
      loop(() => jsonAddFloats(h.server.port, 3, 4)),
    ];
    try {
      for (let reload = 0; reload < 20; reload++) {
        const swaps = h.lines.filter((line) => line.startsWith("↻")).length;
        await h.edit("adder/adder.wat", reload % 2 === 0 ? toMultiply : toAdd);
        while (h.lines.filter((line) => line.startsWith("↻")).length === swaps) {
          await h.waitForLine(/↻/, h.lines.length);
        }
      }
    } finally {
      loading = false;
      await Promise.all(loads);
    }
    expect(failures).toEqual([]);
    expect([...answers.keys()].sort((a, b) => a - b)).toEqual([7, 12]);
    expect(h.lines.filter((line) => line.startsWith("✗"))).toEqual([]);
  });

  test("versionWeights 1:3 splits 4,000 calls within 3σ of 25/75", async () => {
    const h = await start();
    const before = h.lines.length;
    await h.edit("vimana.yaml", (yaml) => yaml.replace('"2.0.0": 0', '"2.0.0": 3'));
    await h.waitForLine(/2\.0\.0 +weight 3 \(75%\)/, before);
    const client = grpcClient(h);
    const calls = 4000;
    let added = 0;
    let multiplied = 0;
    for (let batch = 0; batch < calls / 100; batch++) {
      const answers = await Promise.all(Array.from({ length: 100 }, () => client.addFloats(3, 4)));
      for (const answer of answers) {
        if (answer === 7) added++;
        else if (answer === 12) multiplied++;
      }
    }
    expect(added + multiplied).toBe(calls);
    const sigma = Math.sqrt(calls * 0.25 * 0.75);
    expect(Math.abs(added - calls * 0.25)).toBeLessThanOrEqual(3 * sigma);
  });

  test("YAML changes apply without restart: a version, weights, an alias", async () => {
    const h = await start();
    const port = h.server.port;
    await expect(jsonAddFloats(port, 3, 4, "dev.example")).rejects.toThrow(/HTTP 404/);
    await Bun.write(
      `${h.dir}/subtractor.wat`,
      toMultiply(await Bun.file(`${h.dir}/adder/adder.wat`).text()).replace(
        "(f32.mul (local.get",
        "(f32.sub (local.get",
      ),
    );
    const before = h.lines.length;
    await h.edit("vimana.yaml", (yaml) =>
      yaml
        .replace("    - api.vimana.host", "    - api.vimana.host\n    - dev.example")
        .replace('"1.0.0": 1', '"1.0.0": 0')
        .replace('"2.0.0": 0', '"2.0.0": 0\n    "3.0.0": 1')
        .concat(
          [
            "---",
            "apiVersion: api.vimana.host/v1alpha1",
            "kind: Component",
            "metadata:",
            "  name: subtractor",
            "spec:",
            '  domain: "00000000000000000000000000000001"',
            "  server: the-adder-server",
            '  version: "3.0.0"',
            "  image: subtractor.wat",
            "  proto: adder/adder.proto",
            "  wit: adder/adder.wit",
            "  world: adder-service",
            "",
          ].join("\n"),
        ),
    );
    await h.waitForLine(/3\.0\.0 +weight 1 \(100%\)/, before);
    expect(await jsonAddFloats(port, 3, 4, "dev.example")).toBe(-1);
    expect(await grpcClient(h).addFloats(3, 4)).toBe(-1);

    // The new version is watched like the others.
    await h.edit("subtractor.wat", (wat) =>
      wat.replace("(f32.sub (local.get", "(f32.add (local.get"),
    );
    await untilAnswer(() => jsonAddFloats(port, 3, 4, "dev.example"), 7);

    // A broken YAML keeps the configuration that serves.
    const broken = h.lines.length;
    await h.edit("vimana.yaml", (yaml) => yaml.replace('"3.0.0": 1', '"3.0.0": -1'));
    expect(
      await h.waitForLine(/vimana\.yaml:\d+:\d+: weight of version 3\.0\.0/, broken),
    ).toBeDefined();
    expect(await jsonAddFloats(port, 3, 4, "dev.example")).toBe(7);
  });
});
