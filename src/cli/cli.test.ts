import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCli } from "./cli.ts";

const repo = join(import.meta.dir, "..", "..");
const adderDir = join(repo, "examples", "adder");
let scratch: string;

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), "vimana-cli-"));
});

afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

/** Runs `vimana ARGS…` in-process: exit code, standard output, standard error. */
async function vimana(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(args, { out: (t) => out.push(t), err: (t) => err.push(t) });
  return { code, out: out.join("\n"), err: err.join("\n") };
}

describe("vimana", () => {
  test("--help lists the commands", async () => {
    const { code, out } = await vimana("--help");
    expect(code).toBe(0);
    expect(out).toContain("Usage: vimana COMMAND");
    expect(out).toMatch(/^ {2}compile {2}compile \.proto services/m);
  });

  test("no command, or an unknown one, is a usage error (2)", async () => {
    expect((await vimana()).code).toBe(2);
    const { code, err } = await vimana("frobnicate");
    expect(code).toBe(2);
    expect(err).toStartWith('vimana: unknown command "frobnicate"');
  });
});

describe("vimana compile", () => {
  test("writes the WIT, deps and Metadata, and says what it compiled", async () => {
    const out = join(scratch, "adder");
    const result = await vimana(
      "compile",
      join(adderDir, "adder.proto"),
      "-I",
      adderDir,
      "--out",
      out,
    );
    expect(result).toEqual({
      code: 0,
      err: "",
      out: [
        "foo.bar: 1 service, 1 method, 2 types (2 records)",
        "world adder-service in foo:bar:",
        "  foo.bar.AdderService/AddFloats → export add-floats (foo.bar.AddFloatsRequest → foo.bar.AddFloatsResponse)",
        `wrote ${join(out, "foo.bar.wit")}, ${join(out, "deps", "vimana-grpc.wit")}, ${join(out, "metadata.binpb")}`,
      ].join("\n"),
    });
    expect((await readdir(out)).sort()).toEqual(["deps", "foo.bar.wit", "metadata.binpb"]);
  });

  test("--help", async () => {
    const { code, out } = await vimana("compile", "--help");
    expect(code).toBe(0);
    expect(out).toStartWith("Usage: vimana compile FILE.proto… [-I DIR]… --out DIR");
  });

  test.each([
    [["compile", "--out", "x"], "name at least one .proto file"],
    [["compile", "a.proto"], "--out DIR is required"],
    [["compile", "a.proto", "--out", "x", "--bogus"], "Unknown option '--bogus'"],
  ])("%j is a usage error", async (args, message) => {
    const { code, err } = await vimana(...args);
    expect(code).toBe(2);
    expect(err).toContain(message);
    expect(err).toEndWith("Run `vimana compile --help` for usage.");
  });

  test("compile errors name file, line and construct, and exit 1", async () => {
    const dir = join(scratch, "stream");
    await Bun.write(
      join(dir, "s.proto"),
      'syntax = "proto3";\npackage s;\nmessage M {}\nservice S { rpc Watch(M) returns (stream M); }\n',
    );
    const result = await vimana("compile", join(dir, "s.proto"), "-I", dir, "-o", join(dir, "out"));
    expect(result.code).toBe(1);
    expect(result.err).toBe(
      `${join(dir, "s.proto")}:4:13: streaming method s.S/Watch (server streaming) is not supported: vimanad serves unary methods`,
    );
    expect(await Bun.file(join(dir, "out", "metadata.binpb")).exists()).toBe(false);
  });

  test("an output directory that cannot be written is a failure (1), not a crash", async () => {
    const blocker = join(scratch, "a-file");
    await Bun.write(blocker, "not a directory");
    const result = await vimana(
      "compile",
      join(adderDir, "adder.proto"),
      "-I",
      adderDir,
      "--out",
      blocker,
    );
    expect(result.code).toBe(1);
    expect(result.err).toStartWith(`cannot write to ${blocker}: `);
  });

  test("runs as a program: `bun src/cli/main.ts compile …` from the repository", async () => {
    const out = join(scratch, "program");
    const run = Bun.spawnSync(
      [
        process.execPath,
        "src/cli/main.ts",
        "compile",
        "examples/adder/adder.proto",
        "-I",
        "examples/adder",
        "--out",
        out,
      ],
      { cwd: repo },
    );
    expect(run.stderr.toString()).toBe("");
    expect(run.exitCode).toBe(0);
    expect(run.stdout.toString()).toStartWith("foo.bar: 1 service, 1 method");
  });
});
