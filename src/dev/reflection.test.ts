// Server reflection on the dev gateway: per Domain, as its spec.grpc.reflection allows, and
// following YAML changes. grpcurl is built by `bun run test` (scripts/go-tools.ts).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { ensureGrpcurl } from "../../scripts/go-tools.ts";
import { type Harness, startHarness } from "./testdata/harness.ts";

let grpcurl: string;
let harness: Harness;

beforeAll(async () => {
  [grpcurl, harness] = await Promise.all([ensureGrpcurl(), startHarness()]);
});
afterAll(() => harness?.close());

async function list(): Promise<{ code: number; out: string; err: string }> {
  const child = Bun.spawn([grpcurl, "-plaintext", `127.0.0.1:${harness.server.port}`, "list"], {
    stdout: "pipe",
    stderr: "pipe",
  });
  const [out, err, code] = await Promise.all([
    new Response(child.stdout).text(),
    new Response(child.stderr).text(),
    child.exited,
  ]);
  return { code, out, err };
}

describe("reflection on the dev gateway", () => {
  test("lists the Domain's services; the Domain's policy applies, and follows the YAML", async () => {
    expect(await list()).toEqual({ code: 0, out: "foo.bar.AdderService\n", err: "" });
    const before = harness.lines.length;
    await harness.edit("vimana.yaml", (yaml) =>
      yaml.replace(
        "  aliases:",
        "  grpc:\n    reflection:\n      allBut: [foo.bar.AdderService]\n  aliases:",
      ),
    );
    await harness.waitForLine(/^↻ .*vimana\.yaml: routes swapped in/, before);
    const hidden = await list();
    expect(hidden.code).not.toBe(0);
    expect(hidden.err).toContain("server does not support the reflection API");
  });
});
