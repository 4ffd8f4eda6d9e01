import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { testComponent, testComponentPath } from "./testdata/components.ts";

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "vimana-compiled-"));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function run(command: string[], cwd: string): Promise<string> {
  const child = Bun.spawn(command, { cwd, stdout: "pipe", stderr: "pipe" });
  const [stdout, stderr, code] = await Promise.all([
    new Response(child.stdout).text(),
    new Response(child.stderr).text(),
    child.exited,
  ]);
  if (code !== 0) throw new Error(`${command.join(" ")} exited ${code}:\n${stderr}`);
  return stdout;
}

test("the host works inside a `bun build --compile` executable", async () => {
  await testComponent("adder-js");
  const executable = join(dir, "compiled-main");
  await run(
    [
      process.execPath,
      "build",
      "--compile",
      join(import.meta.dir, "testdata", "compiled-main.ts"),
      "--outfile",
      executable,
    ],
    import.meta.dir,
  );
  // Run from an empty directory, away from node_modules: only what is embedded can be found.
  const workDir = join(dir, "work");
  await Bun.write(join(workDir, ".keep"), "");
  const cacheDir = join(dir, "cache");
  const args = [executable, testComponentPath("adder-js"), cacheDir];
  const first = JSON.parse(await run(args, workDir));
  expect(first).toEqual({
    origin: "transpiled",
    response: { result: 3.75 },
    logs: [
      { pod: "compiled", component: "adder", stream: "stdout", line: "adding 1.5 and 2.25" },
      { pod: "compiled", component: "adder", stream: "stderr", line: "headers: x-from=compiled" },
    ],
  });
  const second = JSON.parse(await run(args, workDir));
  expect(second.origin).toBe("disk-cache");
  expect(second.response).toEqual({ result: 3.75 });
});
