// Issue #18's watcher: no save is lost, and calls are answered while a build runs. Projects come
// from `vimana new`, made in a temporary directory outside the repository.
import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCli } from "../cli/cli.ts";
import { type Harness, startHarness } from "./testdata/harness.ts";

let scratch: string;
let harness: Harness | undefined;

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), "vimana-watcher-"));
});
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

async function newProject(name: string, lang: string): Promise<string> {
  const cwd = process.cwd();
  process.chdir(scratch);
  try {
    const code = await runCli(["new", name, "--lang", lang], { out: () => {}, err: console.error });
    expect(code).toBe(0);
  } finally {
    process.chdir(cwd);
  }
  return join(scratch, name);
}

async function call(port: number, path: string, body: unknown): Promise<Record<string, unknown>> {
  const response = await fetch(`http://127.0.0.1:${port}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  const json = (await response.json()) as Record<string, unknown>;
  if (!response.ok) throw new Error(`HTTP ${response.status}: ${JSON.stringify(json)}`);
  return json;
}

describe("the watcher", () => {
  test("50 saves in quick succession, some during builds: the last one is served", async () => {
    const h = await startHarness({ from: await newProject("calc", "wat") });
    harness = h;
    const divide = () =>
      call(h.server.port, "/calc.Calculator/Divide", { dividend: 0, divisor: 1 });
    expect(await divide()).toEqual({});
    const withOffset = (k: number) => (wat: string) =>
      wat.replace(
        "(f64.div (local.get $dividend) (local.get $divisor))",
        `(f64.add (f64.const ${k}) (f64.div (local.get $dividend) (local.get $divisor)))`,
      );
    // Save k makes Divide(0, 1) answer k: the answer names the save that is served.
    const original = await Bun.file(join(h.dir, "calculator.wat")).text();
    expect(withOffset(1)(original)).not.toBe(original);
    let beforeLast = 0;
    for (let k = 1; k <= 50; k++) {
      if (k === 50) beforeLast = h.lines.length;
      await Bun.write(join(h.dir, "calculator.wat"), withOffset(k)(original));
      // 0 to 40 ms apart: some saves land while a build of an earlier one runs.
      await Bun.sleep(Math.floor(Math.random() * 40));
    }
    for (;;) {
      const { quotient } = await divide();
      if (quotient === 50) break;
      await Bun.sleep(10);
    }
    await h.server.settled();
    expect((await divide()).quotient).toBe(50);
    // "Within one rebuild": at most the build running at the last save, then one more.
    const swaps = h.lines.slice(beforeLast).filter((line) => line.startsWith("↻"));
    expect(swaps.length).toBeGreaterThanOrEqual(1);
    expect(swaps.length).toBeLessThanOrEqual(2);
    expect(h.lines.filter((line) => line.startsWith("✗"))).toEqual([]);
    // A broken save is reported with its line; the fix gets a ✓.
    const broken = h.lines.length;
    await h.edit("calculator.wat", (wat) =>
      wat.replace("(f64.add (f64.const 50)", "(f64.add (f64.const)"),
    );
    expect(await h.waitForLine(/^✗ .*calculator\.wat:\d+:\d+: /, broken)).toContain(
      join(h.dir, "calculator.wat"),
    );
    await h.edit("calculator.wat", (wat) =>
      wat.replace("(f64.add (f64.const)", "(f64.add (f64.const 7)"),
    );
    await h.waitForLine(/^✓ .*calc@1\.0\.0: builds and serves again/, broken);
    expect((await divide()).quotient).toBe(7);
  });

  test("a .proto's imports are watched", async () => {
    const dir = await newProject("imports", "wat");
    await Bun.write(
      join(dir, "extra.proto"),
      'syntax = "proto3";\npackage imports;\nmessage Extra {}\n',
    );
    const proto = join(dir, "calculator.proto");
    await Bun.write(
      proto,
      (await Bun.file(proto).text()).replace(
        "package imports;",
        'package imports;\n\nimport "extra.proto";',
      ),
    );
    const h = await startHarness({ from: dir });
    harness = h;
    const before = h.lines.length;
    await h.edit("extra.proto", (text) =>
      text.replace("message Extra {}", "message Extra {\n  int32 x = 1;\n}"),
    );
    expect(
      await h.waitForLine(/^↻ .*extra\.proto: imports@1\.0\.0 swapped in/, before),
    ).toBeDefined();
    await h.edit("extra.proto", (text) => text.replace("int32 x = 1;", "int32 x = ;"));
    expect(await h.waitForLine(/^✗ .*extra\.proto:4:\d+: /, before)).toBeDefined();
  });

  test("calls keep being answered during a JS build; progress lines while it runs", async () => {
    const h = await startHarness({ from: await newProject("greeter", "js") });
    harness = h;
    const hello = () => call(h.server.port, "/greeter.Greeter/SayHello", { name: "Ada" });
    expect(await hello()).toEqual({ message: "Hello, Ada!" });
    const before = h.lines.length;
    await h.edit("greeter.js", (js) =>
      js
        .replace("Hello, ", "Hi, ")
        .replace(
          '  if (request.name === "") {',
          '  if (request.name === "boom") explode(request.name);\n  if (request.name === "") {',
        )
        .concat('function explode(name) {\n  throw new Error("cannot greet " + name);\n}\n'),
    );
    // A YAML typo saved while the build runs is reported at once, not after the build.
    await h.edit("vimana.yaml", (yaml) => yaml.replace("versionWeights:", "versionWieghts:"));
    expect(
      await h.waitForLine(
        /unknown field spec\.versionWieghts \(did you mean versionWeights\?\)/,
        before,
      ),
    ).toMatch(/vimana\.yaml:\d+:\d+: unknown field/);
    expect((await hello()).message).toBe("Hello, Ada!");
    // Every call succeeds (`hello` throws otherwise); while the build runs, the old version
    // answers them.
    let old = 0;
    const deadline = Date.now() + 240_000;
    for (;;) {
      const { message } = await hello();
      if (message === "Hi, Ada!") break;
      if (Date.now() > deadline) {
        throw new Error(
          `the edit was not served within 240 s; dev printed:\n${h.lines.slice(before).join("\n")}`,
        );
      }
      expect(message).toBe("Hello, Ada!");
      old++;
    }
    const building = h.lines.slice(before).filter((line) => line.startsWith("… building"));
    expect(building.length).toBeGreaterThanOrEqual(1);
    // A build of seconds on the server's own thread would have let a handful of calls through.
    expect(old).toBeGreaterThan(20);
    // An exception stays INTERNAL for the client; the log shows it with the user's frames first.
    const boom = await fetch(`http://127.0.0.1:${h.server.port}/greeter.Greeter/SayHello`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ name: "boom" }),
    });
    expect(boom.status).toBe(500);
    expect(await boom.json()).toEqual({ code: "INTERNAL", message: "Function invocation error" });
    const uncaught = await h.waitForLine(/stderr: Uncaught Error: cannot greet boom$/, before);
    const next = h.lines.slice(h.lines.indexOf(uncaught) + 1, h.lines.indexOf(uncaught) + 3);
    const source = join(h.dir, "greeter.js");
    expect(next[0]).toMatch(new RegExp(`stderr:\\s+at explode@${source}:\\d+:\\d+$`));
    expect(next[1]).toMatch(new RegExp(`stderr:\\s+at sayHello@${source}:\\d+:\\d+$`));
    const fixed = h.lines.length;
    await h.edit("vimana.yaml", (yaml) => yaml.replace("versionWieghts:", "versionWeights:"));
    await h.waitForLine(/^✓ .*vimana\.yaml: valid again/, fixed);
  }, 300_000);
});
