// Issue #18's acceptance: `vimana new` in each language, from an empty directory outside the
// repository; the project served by `vimana dev` and called with grpcurl through reflection
// (list, describe, a call), with JSON, and with grpc-js for a typed error; then `vimana build`,
// `vimana push` to a real registry and a pod on the compiled vimanad answering the same.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as grpc from "@grpc/grpc-js";
import { criMethods } from "../../runtime/cri/index.ts";
import { freeLoopbackPort } from "../../runtime/tests/fixtures/ports.ts";
import { endPod, type Stack, startStack } from "../../runtime/tests/vimanad.ts";
import { ensureGrpcurl } from "../../scripts/go-tools.ts";
import { LABEL_DOMAIN, LABEL_SERVER, LABEL_VERSION, RUNTIME_HANDLER } from "../names/index.ts";

const main = join(import.meta.dir, "main.ts");

interface Case {
  lang: "js" | "c" | "wat";
  name: string;
  method: string;
  request: unknown;
  response: unknown;
  /** What an empty request fails with. */
  error: string;
}

const cases: Case[] = [
  {
    lang: "wat",
    name: "calc-wat",
    method: "calc_wat.Calculator/Divide",
    request: { dividend: 1, divisor: 4 },
    response: { quotient: 0.25 },
    error: "divisor must not be zero",
  },
  {
    lang: "c",
    name: "greeter-c",
    method: "greeter_c.Greeter/SayHello",
    request: { name: "Ada" },
    response: { message: "Hello, Ada!" },
    error: "name is required",
  },
  {
    lang: "js",
    name: "greeter-js",
    method: "greeter_js.Greeter/SayHello",
    request: { name: "Ada" },
    response: { message: "Hello, Ada!" },
    error: "name is required",
  },
];

let scratch: string;
let grpcurl: string;
let stack: Stack;
const podPort = freeLoopbackPort();

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), "vimana-new-"));
  [grpcurl, stack] = await Promise.all([ensureGrpcurl(), startStack({ dataplanePort: podPort })]);
});

afterAll(async () => {
  await stack?.stop();
  await rm(scratch, { recursive: true, force: true });
});

async function run(
  command: string[],
  cwd: string,
): Promise<{ code: number; out: string; err: string }> {
  const child = Bun.spawn(command, { cwd, stdout: "pipe", stderr: "pipe" });
  const [out, err, code] = await Promise.all([
    new Response(child.stdout).text(),
    new Response(child.stderr).text(),
    child.exited,
  ]);
  return { code, out, err };
}

const vimana = (cwd: string, ...args: string[]) => run([process.execPath, main, ...args], cwd);

/** `vimana dev` in `cwd` on a free port, until `body` is done; resolves the output. */
async function withDev(cwd: string, body: (address: string) => Promise<void>): Promise<string> {
  const child = Bun.spawn([process.execPath, main, "dev", "--port", "0", "-q"], {
    cwd,
    stdout: "pipe",
    stderr: "pipe",
  });
  let output = "";
  const reader = child.stdout.getReader();
  try {
    let address: string | undefined;
    while (address === undefined) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`vimana dev exited: ${output}${await child.stderr.text()}`);
      output += new TextDecoder().decode(value);
      address = / on (127\.0\.0\.1:\d+) /.exec(output)?.[1];
    }
    await body(address);
    child.kill("SIGINT");
    expect(await child.exited).toBe(0);
    return output;
  } finally {
    child.kill();
  }
}

/** What every server of a case answers the same: reflection, a call, JSON, a typed error. */
async function checkServer(c: Case, address: string): Promise<void> {
  const service = c.method.split("/")[0] as string;
  const list = await run([grpcurl, "-plaintext", address, "list"], scratch);
  expect(list).toEqual({ code: 0, out: `${service}\n`, err: "" });
  const described = await run([grpcurl, "-plaintext", address, "describe", service], scratch);
  expect(described.out).toContain(`rpc ${c.method.split("/")[1]} (`);
  const called = await run(
    [grpcurl, "-plaintext", "-d", JSON.stringify(c.request), address, c.method],
    scratch,
  );
  expect(called.err).toBe("");
  expect(JSON.parse(called.out)).toEqual(c.response);
  const json = await fetch(`http://${address}/${c.method}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(c.request),
  });
  expect(await json.json()).toEqual(c.response);
  const refused = await fetch(`http://${address}/${c.method}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: "{}",
  });
  expect(refused.status).toBe(400);
  expect(await refused.json()).toEqual({ code: "INVALID_ARGUMENT", message: c.error });
  const error = await grpcJsCall(address, `/${c.method}`);
  expect(error.code).toBe(grpc.status.INVALID_ARGUMENT);
  expect(error.details).toBe(c.error);
}

/** An empty request with @grpc/grpc-js; resolves the error it fails with. */
function grpcJsCall(address: string, path: string): Promise<grpc.ServiceError> {
  const client = new grpc.Client(address, grpc.credentials.createInsecure());
  return new Promise((resolve, reject) => {
    client.makeUnaryRequest(
      path,
      (bytes: Buffer) => bytes,
      (bytes: Buffer) => bytes,
      Buffer.alloc(0),
      (error) => {
        client.close();
        if (error) resolve(error);
        else reject(new Error(`${path} succeeded on an empty request`));
      },
    );
  });
}

describe("vimana new → dev → build → push → a pod", () => {
  for (const c of cases) {
    test(
      `--lang ${c.lang}`,
      async () => {
        const created = await vimana(scratch, "new", c.name, "--lang", c.lang);
        expect(created.err).toBe("");
        expect(created.code).toBe(0);
        const dir = join(scratch, c.name);
        expect((await readdir(dir)).sort()).toEqual(
          [".gitignore", "README.md", "vimana.yaml", ...Object.keys(sourceFiles(c))].sort(),
        );
        await withDev(dir, (address) => checkServer(c, address));

        const built = await vimana(dir, "build");
        expect(built.err).toBe("");
        expect(built.code).toBe(0);
        const component = join("build", c.name, "component.wasm");
        const metadata = join("build", c.name, "metadata.binpb");
        expect(built.out).toContain(`✓ ${c.name} (${c.name}@1.0.0): ${component} (`);
        const domain = /^ {2}id: "([0-9a-f]{32})"$/m.exec(
          await Bun.file(join(dir, "vimana.yaml")).text(),
        )?.[1] as string;
        const pushed = await vimana(
          dir,
          "push",
          "--registry",
          `http://${stack.registry.host}`,
          "--domain",
          domain,
          "--server",
          c.name,
          "--version",
          "1.0.0",
          "--component",
          component,
          "--metadata",
          metadata,
        );
        expect(pushed.err).toBe("");
        const image = `${stack.registry.host}/${domain}/${c.name}:1.0.0`;
        expect(pushed.out.trimEnd().split("\n").at(-1)).toBe(image);

        const cri = stack.vimanad.cri;
        const labels = { [LABEL_DOMAIN]: domain, [LABEL_SERVER]: c.name, [LABEL_VERSION]: "1.0.0" };
        const imageSpec = {
          image,
          annotations: {},
          user_specified_image: "",
          runtime_handler: RUNTIME_HANDLER,
          image_ref: "",
        };
        // As kubelet does: the sandbox, the image, then the container.
        const { pod_sandbox_id } = await cri.call(criMethods.RunPodSandbox, {
          runtime_handler: RUNTIME_HANDLER,
          config: { metadata: { name: c.name, uid: crypto.randomUUID() }, labels },
        });
        await cri.call(criMethods.PullImage, { image: imageSpec, sandbox_config: { labels } });
        const sandbox = await cri.call(criMethods.PodSandboxStatus, { pod_sandbox_id });
        const ip = sandbox.status?.network?.ip ?? "";
        const { container_id } = await cri.call(criMethods.CreateContainer, {
          pod_sandbox_id,
          config: {
            metadata: { name: "grpc", attempt: 1 },
            image: imageSpec,
          },
        });
        await cri.call(criMethods.StartContainer, { container_id });
        try {
          await checkServer(c, `${ip}:${podPort}`);
        } finally {
          await endPod(cri, { podSandboxId: pod_sandbox_id, containerId: container_id });
        }
      },
      c.lang === "js" ? 600_000 : 240_000,
    );
  }
});

function sourceFiles(c: Case): Record<string, true> {
  return c.lang === "wat"
    ? { "calculator.proto": true, "calculator.wat": true }
    : { "greeter.proto": true, [`greeter.${c.lang}`]: true };
}
