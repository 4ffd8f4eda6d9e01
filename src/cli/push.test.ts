// `vimana push` against a real docker-registry: what it pushes is what pulls back, and bad
// inputs are refused before anything reaches the registry.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildExamples } from "../../examples/build.ts";
import { builtPath, exampleComponents, metadataPath } from "../../examples/index.ts";
import {
  type RegistryFixture,
  startRegistry,
  withServiceLogs,
} from "../../runtime/tests/fixtures/index.ts";
import { freeLoopbackPort } from "../../runtime/tests/fixtures/ports.ts";
import { type ComponentName, componentName, parseDomainUuid } from "../names/index.ts";
import { buildVimanaImage, pullVimanaImage, sha256Digest } from "../oci/index.ts";
import { startTokenRegistry, type TokenRegistry } from "../oci/testdata/token-registry.ts";
import { runCli } from "./cli.ts";
import { UsageError } from "./command.ts";
import { PASSWORD_ENV, parseRegistry } from "./push.ts";

const repo = join(import.meta.dir, "..", "..");
const adderExample = exampleComponents.find((example) => example.name === "adder-wat");
if (adderExample === undefined) throw new Error("no adder-wat example");
const adderWasm = builtPath(adderExample);
const adderMetadata = metadataPath(adderExample);

let registry: RegistryFixture;
let scratch: string;
let component: Uint8Array;
let metadata: Uint8Array;

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), "vimana-cli-push-"));
  const [started, [built]] = await Promise.all([
    startRegistry(),
    buildExamples({ only: [adderExample.name] }),
  ]);
  registry = started;
  if (built?.outcome === "failed") throw built.error;
  component = await Bun.file(adderWasm).bytes();
  metadata = await Bun.file(adderMetadata).bytes();
});

afterAll(async () => {
  await registry?.stop();
  await rm(scratch, { recursive: true, force: true });
});

const inRegistry = <T>(body: () => Promise<T>) => withServiceLogs([registry], body);

/** A fresh domain per test, so pushes to the shared registry never collide. */
function freshName(version = "1.0.0"): ComponentName {
  const domain = parseDomainUuid(crypto.randomUUID().replaceAll("-", ""));
  return componentName(domain, "adder", version);
}

/** `--domain … --server … --version …` for a name. */
function nameArgs(name: ComponentName): string[] {
  return ["--domain", name.domain, "--server", name.server, "--version", name.version];
}

/** Runs `vimana ARGS…` in-process: exit code, standard output, standard error. */
async function vimana(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(args, { out: (t) => out.push(t), err: (t) => err.push(t) });
  return { code, out: out.join("\n"), err: err.join("\n") };
}

/** Runs `COMMAND…` in the repository as a child process, with `env` added to the environment. */
async function spawn(
  command: string[],
  env: Record<string, string> = {},
): Promise<{ code: number; out: string; err: string }> {
  const { [PASSWORD_ENV]: _inherited, ...inherited } = process.env;
  const child = Bun.spawn(command, {
    cwd: repo,
    env: { ...inherited, ...env },
    stdout: "pipe",
    stderr: "pipe",
  });
  const [out, err, code] = await Promise.all([
    child.stdout.text(),
    child.stderr.text(),
    child.exited,
  ]);
  return { code, out, err };
}

/** The repositories the registry holds. */
async function catalog(): Promise<string[]> {
  const response = await fetch(`${registry.url}/v2/_catalog`);
  expect(response.status).toBe(200);
  return ((await response.json()) as { repositories: string[] }).repositories;
}

/** The lines `vimana push` prints for a push that succeeds, given the manifest it produced. */
function expectedOutput(name: ComponentName, url: string, host: string, manifest: Uint8Array) {
  const { domain, server, version } = name;
  return [
    `Pushing ${domain}:${server}@${version} to ${url}`,
    `  uploaded component ${sha256Digest(component)} (${component.length} bytes)`,
    `  uploaded metadata  ${sha256Digest(metadata)} (${metadata.length} bytes)`,
    expect.stringMatching(/^ {2}uploaded config {4}sha256:[0-9a-f]{64} \(\d+ bytes\)$/),
    `  uploaded manifest  ${sha256Digest(manifest)} (${manifest.length} bytes)`,
    `Pushed ${domain}:${server}@${version}`,
    `${host}/${domain}/${server}:${version}`,
  ];
}

describe("vimana push", () => {
  test("--help, in the command list, and as `bun run push`", async () => {
    const help = await vimana("push", "--help");
    expect(help.code).toBe(0);
    expect(help.out).toStartWith("Usage: vimana push --registry URL --domain ID");
    expect((await vimana("--help")).out).toMatch(/^ {2}push {5}push a component/m);
    const script = await spawn(["bun", "run", "--silent", "push", "--help"]);
    expect(script).toEqual({ code: 0, out: `${help.out}\n`, err: "" });
  });

  test("pushes the adder (as a child process) and it pulls back byte for byte", () =>
    inRegistry(async () => {
      const name = freshName();
      const pushed = await spawn([
        process.execPath,
        "src/cli/main.ts",
        "push",
        "--registry",
        registry.url,
        ...nameArgs(name),
        "--component",
        adderWasm,
        "--metadata",
        adderMetadata,
      ]);
      expect(pushed.err).toBe("");
      expect(pushed.code).toBe(0);

      const pulled = await pullVimanaImage({
        registry: registry.host,
        component: name,
        insecure: true,
      });
      expect(pulled.component).toEqual(component);
      expect(pulled.metadata).toEqual(metadata);
      expect(pushed.out.trimEnd().split("\n")).toEqual(
        expectedOutput(name, registry.url, registry.host, pulled.manifest),
      );
    }));

  test("the registry holds exactly the image src/oci builds (ref §3.1)", () =>
    inRegistry(async () => {
      const name = freshName("2.3.4-rc1");
      // A bare HOST:PORT with --insecure is the same registry as http://HOST:PORT.
      const pushed = await vimana(
        "push",
        "--registry",
        registry.host,
        "--insecure",
        ...nameArgs(name),
        "--component",
        adderWasm,
        "--metadata",
        adderMetadata,
      );
      expect(pushed.err).toBe("");
      expect(pushed.code).toBe(0);
      // The catalog sees a push: the bad-input tests' "nothing pushed" check means something.
      expect(await catalog()).toContain(`${name.domain}/${name.server}`);
      const pulled = await pullVimanaImage({
        registry: registry.host,
        component: name,
        insecure: true,
      });
      const manifest = JSON.parse(new TextDecoder().decode(pulled.manifest));
      const config = await fetch(
        `${registry.url}/v2/${name.domain}/${name.server}/blobs/${manifest.config.digest}`,
      );
      const { created } = (await config.json()) as { created: string };
      // Only `created` varies between pushes; with it fixed the image is determined.
      const expected = buildVimanaImage(component, metadata, new Date(created));
      expect(pulled.manifest).toEqual(expected.manifest);
      expect(pulled.digest).toBe(expected.digest);
      expect(pushed.out.split("\n")).toEqual(
        expectedOutput(name, registry.url, registry.host, pulled.manifest),
      );
    }));

  describe("bad inputs: a clear message, and nothing pushed", () => {
    /** Runs `vimana push ARGS…` and checks the registry holds no new repository after it. */
    async function refused(...args: string[]) {
      const before = await catalog();
      const result = await vimana("push", ...args);
      expect(await catalog()).toEqual(before);
      expect(result.out).not.toContain("Pushed");
      return result;
    }

    const files = () => ["--component", adderWasm, "--metadata", adderMetadata];
    const usage = (message: string) =>
      `vimana push: ${message}\nRun \`vimana push --help\` for usage.`;

    test("a missing or unreadable file is named (exit 1)", () =>
      inRegistry(async () => {
        const missing = join(scratch, "missing.wasm");
        const result = await refused(
          "--registry",
          registry.url,
          ...nameArgs(freshName()),
          "--component",
          missing,
          "--metadata",
          scratch,
        );
        expect(result.code).toBe(1);
        expect(result.err.split("\n")).toEqual([
          `cannot read the component file ${missing}: ENOENT: no such file or directory, open '${missing}'`,
          `cannot read the Metadata file ${scratch}: EISDIR: illegal operation on a directory, read`,
        ]);
      }));

    test("invalid names get the names module's message (exit 2)", () =>
      inRegistry(async () => {
        const { domain } = freshName();
        const cases: [string[], string][] = [
          [["--domain", "0123", "--server", "adder"], "Incorrect domain UUID length: 4"],
          [
            ["--domain", "0123456789ABCDEF0123456789abcdef", "--server", "adder"],
            'Invalid hex characters: "0123456789ABCDEF0123456789abcdef"',
          ],
          [["--domain", domain, "--server", "Adder"], 'Invalid server ID: "Adder"'],
        ];
        for (const [args, message] of cases) {
          const result = await refused(
            "--registry",
            registry.url,
            ...args,
            "--version",
            "1.0.0",
            ...files(),
          );
          expect(result).toEqual({ code: 2, out: "", err: usage(message) });
        }
        const badVersion = await refused(
          "--registry",
          registry.url,
          "--domain",
          domain,
          "--server",
          "adder",
          "--version",
          "1.0",
          ...files(),
        );
        expect(badVersion).toEqual({ code: 2, out: "", err: usage('Invalid version: "1.0"') });
      }));

    test("missing options and bad registry URLs are usage errors (exit 2)", () =>
      inRegistry(async () => {
        const name = nameArgs(freshName());
        const cases: [string[], string][] = [
          [[...name, ...files()], "--registry URL is required"],
          [
            ["--registry", registry.url, ...name, "--component", adderWasm],
            "--metadata FILE is required",
          ],
          [
            ["--registry", `${registry.url}/v2`, ...name, ...files()],
            `--registry must be a host and port, without a path: "${registry.url}/v2"`,
          ],
          [
            ["--registry", `ftp://${registry.host}`, ...name, ...files()],
            `--registry must be http://, https:// or HOST[:PORT], not "ftp://${registry.host}"`,
          ],
          [
            ["--registry", `https://${registry.host}`, "--insecure", ...name, ...files()],
            `--insecure contradicts the https:// of --registry "https://${registry.host}"`,
          ],
          [
            ["--registry", registry.url, ...name, ...files(), "--username", "pusher"],
            `--username pusher needs the password in $${PASSWORD_ENV}`,
          ],
          [
            ["--registry", registry.url, ...name, ...files(), "extra"],
            'unexpected argument "extra"',
          ],
        ];
        for (const [args, message] of cases) {
          expect(await refused(...args)).toEqual({ code: 2, out: "", err: usage(message) });
        }
      }));

    test("a component or Metadata src/oci refuses is not pushed (exit 1)", () =>
      inRegistry(async () => {
        const coreModule = join(scratch, "core.wasm");
        await Bun.write(coreModule, new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]));
        const garbage = join(scratch, "garbage.binpb");
        await Bun.write(garbage, new Uint8Array([0xff, 0xff, 0xff]));
        const name = freshName();
        const reference = `${registry.host}/${name.domain}/${name.server}:${name.version}`;

        const core = await refused(
          "--registry",
          registry.url,
          ...nameArgs(name),
          "--component",
          coreModule,
          "--metadata",
          adderMetadata,
        );
        expect(core.code).toBe(1);
        expect(core.err).toBe(
          `Pushing ${reference}: the application/wasm layer is a core WebAssembly module, not a component`,
        );

        const badMetadata = await refused(
          "--registry",
          registry.url,
          ...nameArgs(name),
          "--component",
          adderWasm,
          "--metadata",
          garbage,
        );
        expect(badMetadata.code).toBe(1);
        expect(badMetadata.err).toStartWith(
          `Pushing ${reference}: the application/protobuf layer is not valid Metadata: `,
        );
      }));

    test("an unreachable registry fails with src/oci's message (exit 1)", async () => {
      // Nothing listens on a port that was free a moment ago.
      const host = `127.0.0.1:${freeLoopbackPort()}`;
      const name = freshName();
      const result = await vimana(
        "push",
        "--registry",
        `http://${host}`,
        ...nameArgs(name),
        ...files(),
      );
      expect(result.code).toBe(1);
      expect(result.out).toBe(`Pushing ${name.domain}:adder@1.0.0 to http://${host}`);
      expect(result.err).toStartWith(
        `Pushing ${host}/${name.domain}/adder:1.0.0: POST http://${host}/v2/${name.domain}/adder/blobs/uploads/: `,
      );
    });
  });
});

describe("vimana push to a registry that demands a token", () => {
  let tokenRegistry: TokenRegistry;
  beforeAll(async () => {
    tokenRegistry = await startTokenRegistry();
  });
  afterAll(() => tokenRegistry?.stop());

  const push = (name: ComponentName, password: string) =>
    spawn(
      [
        process.execPath,
        "src/cli/main.ts",
        "push",
        "--registry",
        `http://${tokenRegistry.host}`,
        ...nameArgs(name),
        "--component",
        adderWasm,
        "--metadata",
        adderMetadata,
        "--username",
        tokenRegistry.credentials.username,
      ],
      { [PASSWORD_ENV]: password },
    );

  test(`--username logs in with the password from $${PASSWORD_ENV}`, async () => {
    const name = freshName();
    const pushed = await push(name, tokenRegistry.credentials.password);
    expect(pushed.err).toBe("");
    expect(pushed.code).toBe(0);
    expect(tokenRegistry.tokenRequests.map((request) => request.user)).toContain(
      tokenRegistry.credentials.username,
    );
    const pulled = await pullVimanaImage({
      registry: tokenRegistry.host,
      component: name,
      insecure: true,
    });
    expect(pulled.component).toEqual(component);
    expect(pulled.metadata).toEqual(metadata);
  });

  test("a wrong password fails with the token service's refusal (exit 1)", async () => {
    const name = freshName();
    const pushed = await push(name, "wrong");
    expect(pushed.code).toBe(1);
    expect(pushed.err).toStartWith(
      `Pushing ${tokenRegistry.host}/${name.domain}/adder:1.0.0: token request GET `,
    );
    expect(pushed.err).toContain(`(user "${tokenRegistry.credentials.username}")`);
    expect(pushed.out).not.toContain("Pushed");
  });
});

describe("parseRegistry", () => {
  test("the scheme decides, and a bare HOST[:PORT] is HTTPS unless --insecure", () => {
    expect(parseRegistry("http://127.0.0.1:5000", false)).toEqual({
      registry: "127.0.0.1:5000",
      insecure: true,
    });
    expect(parseRegistry("http://localhost:5000/", true)).toEqual({
      registry: "localhost:5000",
      insecure: true,
    });
    expect(parseRegistry("https://registry.example.com", false)).toEqual({
      registry: "registry.example.com",
      insecure: false,
    });
    expect(parseRegistry("registry.example.com:5000", false)).toEqual({
      registry: "registry.example.com:5000",
      insecure: false,
    });
    expect(parseRegistry("localhost:5000", true)).toEqual({
      registry: "localhost:5000",
      insecure: true,
    });
  });

  test("a port is kept unless it is the default of the scheme spoken", () => {
    expect(parseRegistry("localhost:443", true)).toEqual({
      registry: "localhost:443",
      insecure: true,
    });
    expect(parseRegistry("https://localhost:443", false)).toEqual({
      registry: "localhost",
      insecure: false,
    });
  });

  test("credentials, paths, queries and other schemes are refused", () => {
    for (const text of [
      "http://user:secret@host",
      "https://host?x=1",
      "host/path",
      "ftp://host",
      "",
    ]) {
      expect(() => parseRegistry(text, false)).toThrow(UsageError);
    }
    // The message must not repeat a password.
    expect(() => parseRegistry("http://user:secret@host", false)).toThrow(
      `--registry must not hold credentials: use --username and $${PASSWORD_ENV}`,
    );
  });
});
