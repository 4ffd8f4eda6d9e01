// A Domain's reflection policy reaches a pod as the sandbox annotation vimana.host/grpc-reflection
// (the operator sets it on the pod template); the compiled vimanad serves reflection accordingly,
// checked with grpcurl, which knows nothing of the service but what reflection tells it.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { ensureGrpcurl } from "../../scripts/go-tools.ts";
import { RUNTIME_HANDLER } from "../../src/names/index.ts";
import { criMethods } from "../cri/index.ts";
import { freeLoopbackPort } from "./fixtures/ports.ts";
import { type PushedImage, pushExample, type Stack, startPod, startStack } from "./vimanad.ts";

const ANNOTATION = "vimana.host/grpc-reflection";
const port = freeLoopbackPort();
let stack: Stack | undefined;
let image: PushedImage;
let grpcurl: string;

beforeAll(async () => {
  [stack, grpcurl] = await Promise.all([startStack({ dataplanePort: port }), ensureGrpcurl()]);
  image = await pushExample(stack.registry.host, "reflected", "1.0.0");
  await stack.vimanad.cri.call(criMethods.PullImage, {
    image: image.imageSpec,
    sandbox_config: { labels: image.labels },
  });
});
afterAll(async () => {
  await stack?.stop();
});

async function list(ip: string): Promise<{ code: number; out: string; err: string }> {
  const child = Bun.spawn([grpcurl, "-plaintext", `${ip}:${port}`, "list"], {
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

async function podWith(annotations: Record<string, string>): Promise<string> {
  if (!stack) throw new Error("no stack");
  return (await startPod(stack.vimanad.cri, image, port, { annotations })).ip;
}

describe("reflection policy from the pod's annotation", () => {
  test("no annotation, or noneBut naming the service: it is listed", async () => {
    const cases: Record<string, string>[] = [{}, { [ANNOTATION]: "noneBut:foo.bar.AdderService" }];
    for (const annotations of cases) {
      expect(await list(await podWith(annotations))).toEqual({
        code: 0,
        out: "foo.bar.AdderService\n",
        err: "",
      });
    }
  });

  test("none or allBut naming the service: nothing is described, the service still answers", async () => {
    for (const value of ["none", "allBut:foo.bar.AdderService"]) {
      // startPod calls AddFloats: reflection decides only what is described.
      const refused = await list(await podWith({ [ANNOTATION]: value }));
      expect(refused.code).not.toBe(0);
      expect(refused.err).toContain("server does not support the reflection API");
    }
  });

  test("a bad value fails the pod's start with the annotation's message", async () => {
    if (!stack) throw new Error("no stack");
    const cri = stack.vimanad.cri;
    const { pod_sandbox_id } = await cri.call(criMethods.RunPodSandbox, {
      runtime_handler: RUNTIME_HANDLER,
      config: {
        metadata: { name: "bad", uid: crypto.randomUUID() },
        labels: image.labels,
        annotations: { [ANNOTATION]: "some" },
      },
    });
    const { container_id } = await cri.call(criMethods.CreateContainer, {
      pod_sandbox_id,
      config: { metadata: { name: "grpc", attempt: 1 }, image: image.imageSpec },
    });
    const failure = await cri.call(criMethods.StartContainer, { container_id }).then(
      () => undefined,
      (error: Error) => error.message,
    );
    expect(failure).toContain("Failed starting pod");
    expect(failure).toContain(
      'vimana.host/grpc-reflection: expected all, none, noneBut:SERVICES or allBut:SERVICES, not "some"',
    );
  });
});
