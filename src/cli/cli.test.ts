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

describe("messages (issue #18)", () => {
  test("--version reports package.json's version", async () => {
    const { version } = (await Bun.file(join(repo, "package.json")).json()) as { version: string };
    expect(await vimana("--version")).toEqual({ code: 0, out: `vimana ${version}`, err: "" });
  });

  test("an unknown command or flag names the closest", async () => {
    const command = await vimana("biuld");
    expect(command.code).toBe(2);
    expect(command.err).toStartWith('vimana: unknown command "biuld" (did you mean build?)');
    const flag = await vimana("dev", "--prot", "9000");
    expect(flag.code).toBe(2);
    expect(flag.err).toStartWith("vimana dev: Unknown option '--prot' (did you mean --port?)");
    const compile = await vimana("compile", "a.proto", "--out", "x", "--typed-erors");
    expect(compile.err).toContain("(did you mean --typed-errors?)");
  });

  test("a port in use suggests --port", async () => {
    const blocker = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
    try {
      const { code, err } = await vimana(
        "dev",
        join(repo, "examples"),
        "--once",
        "--port",
        String(blocker.port),
      );
      expect(code).toBe(1);
      expect(err).toContain(`cannot listen on 127.0.0.1:${blocker.port}: `);
      expect(err).toContain(
        "(another process is listening there: choose another port with --port, or --port 0 for a free one)",
      );
    } finally {
      blocker.stop(true);
    }
  });

  test("new refuses bad names, languages and a non-empty directory", async () => {
    expect((await vimana("new")).err).toContain("name the project: vimana new NAME");
    expect((await vimana("new", join(scratch, "Bad_Name"))).err).toContain(
      "the project's name is its Server's id",
    );
    expect((await vimana("new", join(scratch, "x"), "--lang", "rust")).err).toContain(
      '--lang must be js, c or wat, not "rust"',
    );
    expect(
      (await vimana("new", join(scratch, "y"), "--lang", "wat", "--proto", "a.proto")).err,
    ).toContain("--proto works with --lang js or c");
    await Bun.write(join(scratch, "taken", "file"), "x");
    const taken = await vimana("new", join(scratch, "taken"));
    expect(taken.code).toBe(1);
    expect(taken.err).toBe(
      `${join(scratch, "taken")} exists and is not empty: choose another NAME`,
    );
  });

  test("new --proto: the user's service, each method failing UNIMPLEMENTED until written", async () => {
    const dir = join(scratch, "own");
    const made = await vimana("new", dir, "--proto", join(adderDir, "adder.proto"));
    expect(made.err).toBe("");
    expect(made.code).toBe(0);
    const js = await Bun.file(join(dir, "adder.js")).text();
    expect(js).toContain("export function addFloats(ctx, request) {");
    expect(js).toContain(
      'throw { code: "unimplemented", message: "foo.bar.AdderService/AddFloats is not implemented yet" };',
    );
    expect(await Bun.file(join(dir, "vimana.yaml")).text()).toContain("    - foo.bar.AdderService");
  });

  test("new --lang c --proto: stubs against wit-bindgen's header that build", async () => {
    const dir = join(scratch, "own-c");
    const made = await vimana("new", dir, "--lang", "c", "--proto", join(adderDir, "adder.proto"));
    expect(made.code).toBe(0);
    const c = await Bun.file(join(dir, "adder.c")).text();
    expect(c).toContain('#include "adder_service.h"');
    expect(c).toContain("err->code = VIMANA_GRPC_IMPORTS_CODE_UNIMPLEMENTED;");
    const built = await vimana("build", dir);
    expect(built.err).toBe("");
    expect(built.code).toBe(0);
    expect(await Bun.file(join(dir, "build", "own-c", "component.wasm")).exists()).toBe(true);
  });
});
