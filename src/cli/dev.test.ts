import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCli } from "./cli.ts";

const repo = join(import.meta.dir, "..", "..");
let scratch: string;

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), "vimana-cli-dev-"));
});

afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

async function vimana(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(args, { out: (t) => out.push(t), err: (t) => err.push(t) });
  return { code, out: out.join("\n"), err: err.join("\n") };
}

describe("vimana dev", () => {
  test("--help", async () => {
    const { code, out } = await vimana("dev", "--help");
    expect(code).toBe(0);
    expect(out).toStartWith("Usage: vimana dev [PROJECT]");
    expect((await vimana("--help")).out).toContain("dev ");
  });

  test("bad arguments are usage errors", async () => {
    const { code, err } = await vimana("dev", "--port", "http");
    expect(code).toBe(2);
    expect(err).toStartWith("vimana dev: --port must be a port number, not http");
  });

  test("a project with problems is refused with file:line", async () => {
    const file = join(scratch, "vimana.yaml");
    await Bun.write(file, "kind: Domain\nmetadata: {name: d}\nspec:\n  vimana: v\n");
    const { code, err } = await vimana("dev", scratch, "--port", "0");
    expect(code).toBe(1);
    expect(err).toBe(`${file}:4:3: spec.id is required`);
  });

  test("serves the examples with --once; SIGINT stops it cleanly", async () => {
    const child = Bun.spawn(
      [process.execPath, join(repo, "src/cli/main.ts"), "dev", "--once", "--port", "0", "-q"],
      { cwd: repo, stdout: "pipe", stderr: "pipe" },
    );
    try {
      const reader = child.stdout.getReader();
      let output = "";
      let port: number | undefined;
      while (port === undefined) {
        const { value, done } = await reader.read();
        if (done) throw new Error(`vimana dev exited: ${output}${await child.stderr.text()}`);
        output += new TextDecoder().decode(value);
        const found = / on 127\.0\.0\.1:(\d+) /.exec(output);
        if (found) port = Number(found[1]);
      }
      const response = await fetch(`http://127.0.0.1:${port}/foo.bar.AdderService/AddFloats`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ x: 1, y: 2 }),
      });
      expect(await response.json()).toEqual({ result: 3 });
      child.kill("SIGINT");
      expect(await child.exited).toBe(0);
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        output += new TextDecoder().decode(value);
      }
      expect(output).toContain("vimana dev: stopping");
    } finally {
      child.kill();
    }
  });
});
