// Test harness for the compiled vimanad: builds dist/vimanad (once per change of its inputs),
// runs a copy from a directory with no node_modules, talks CRI to it, pushes example images.
import { copyFileSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as grpc from "@grpc/grpc-js";
import { buildExamples } from "../../examples/build.ts";
import { builtPath, exampleComponents, metadataPath } from "../../examples/index.ts";
import {
  componentName,
  LABEL_DOMAIN,
  LABEL_SERVER,
  LABEL_VERSION,
  parseDomainUuid,
  RUNTIME_HANDLER,
} from "../../src/names/index.ts";
import { pushVimanaImage } from "../../src/oci/index.ts";
import { type CriClient, createCriClient, criMethods, type ImageSpec } from "../cri/index.ts";
import {
  type ContainerdFixture,
  type RegistryFixture,
  startContainerd,
  startRegistry,
} from "./fixtures/index.ts";

const root = join(import.meta.dir, "..", "..");
const binary = join(root, "dist", "vimanad");
const inputsFile = `${binary}.inputs`;

/** A hash of everything the executable is built from. */
async function inputsHash(): Promise<string> {
  const hasher = new Bun.CryptoHasher("sha256");
  const files: string[] = ["package.json", "bun.lock", "scripts/build.ts"];
  for (const dir of ["runtime", "src"]) {
    for await (const path of new Bun.Glob("**/*.{ts,proto}").scan({ cwd: join(root, dir) })) {
      if (!path.includes("tests/") && !path.endsWith(".test.ts")) files.push(join(dir, path));
    }
  }
  for (const file of files.sort()) hasher.update(file).update(readFileSync(join(root, file)));
  return hasher.digest("hex");
}

let building: Promise<string> | undefined;

/** dist/vimanad, rebuilt with `bun run build` when its inputs changed. */
export function buildVimanad(): Promise<string> {
  building ??= (async () => {
    const hash = await inputsHash();
    if (existsSync(binary) && existsSync(inputsFile) && readFileSync(inputsFile, "utf8") === hash) {
      return binary;
    }
    const built = Bun.spawnSync([process.execPath, "scripts/build.ts"], { cwd: root });
    if (built.exitCode !== 0) {
      throw new Error(`bun run build failed:\n${built.stdout}\n${built.stderr}`);
    }
    writeFileSync(inputsFile, hash);
    return binary;
  })();
  return building;
}

export interface VimanadOptions {
  downstream: string;
  insecureRegistries?: readonly string[];
  dataplanePort: number;
  /** Reused across restarts; a fresh temporary one by default. */
  imageStore?: string;
  /** The CRI socket; a fresh temporary one by default. */
  incoming?: string;
  extraArgs?: readonly string[];
  /** Run the executable through this command prefix (e.g. `ip netns exec NAME`). */
  commandPrefix?: readonly string[];
  /** The directory (state, socket, images) of an earlier vimanad, to restart or take it over. */
  dir?: string;
  /** Added to vimanad's environment (e.g. VIMANAD_CRASH_AT). */
  env?: Record<string, string>;
}

export interface Vimanad {
  readonly dir: string;
  readonly socket: string;
  readonly imageStore: string;
  readonly pid: number;
  readonly cri: CriClient;
  /** Everything vimanad wrote to stdout and stderr. */
  log(): string;
  exited(): boolean;
  /** SIGTERM, wait for exit; the directory stays (see `cleanUp`). */
  stop(): Promise<number>;
  /** SIGKILL, as a crash. */
  kill(): Promise<void>;
  /** Stops it if running and removes its directory. */
  cleanUp(): Promise<void>;
}

/** Starts the compiled vimanad and waits until it serves CRI. */
export async function startVimanad(options: VimanadOptions): Promise<Vimanad> {
  const executable = await buildVimanad();
  const dir = options.dir ?? (await mkdtemp(join(tmpdir(), "vimanad-")));
  // A copy in an empty directory: proves it needs nothing beside it. A restart or takeover runs
  // the same copy (overwriting it while it runs would fail).
  const copy = join(dir, "vimanad");
  if (!existsSync(copy)) copyFileSync(executable, copy);
  const socket = options.incoming ?? join(dir, "run", "vimanad.sock");
  const imageStore = options.imageStore ?? join(dir, "images");
  // One log per process: a restarted one's "Serving CRI" is its own.
  let logPath = join(dir, "vimanad.log");
  for (let n = 2; existsSync(logPath); n++) logPath = join(dir, `vimanad-${n}.log`);
  const args = [
    `--incoming=${socket}`,
    `--downstream=${options.downstream}`,
    `--image-store=${imageStore}`,
    `--state-dir=${join(dir, "state")}`,
    `--dataplane-port=${options.dataplanePort}`,
    "--log-format=json",
    ...(options.insecureRegistries ?? []).map((host) => `--insecure-registries=${host}`),
    ...(options.extraArgs ?? []),
  ];
  const logFile = Bun.file(logPath);
  const child = Bun.spawn([...(options.commandPrefix ?? []), copy, ...args], {
    cwd: dir,
    env: { ...process.env, ...options.env },
    stdin: "ignore",
    stdout: logFile,
    stderr: logFile,
  });
  const log = () => (existsSync(logPath) ? readFileSync(logPath, "utf8") : "");
  const deadline = Date.now() + 20_000;
  // Not the socket's existence: a stale one from a crash may be there already.
  while (!log().includes('"msg":"Serving CRI"')) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill("SIGKILL");
      await child.exited;
      const text = log();
      if (options.dir === undefined) await rm(dir, { recursive: true, force: true });
      throw new Error(`vimanad did not start (exit ${child.exitCode}):\n${text}`);
    }
    await Bun.sleep(20);
  }
  const cri = createCriClient(socket);
  const exited = () => child.exitCode !== null || child.signalCode !== null;
  return {
    dir,
    socket,
    imageStore,
    pid: child.pid,
    cri,
    log,
    exited,
    async stop() {
      cri.close();
      if (!exited()) child.kill("SIGTERM");
      return child.exited;
    },
    async kill() {
      cri.close();
      child.kill("SIGKILL");
      await child.exited;
    },
    async cleanUp() {
      cri.close();
      if (!exited()) {
        child.kill("SIGKILL");
        await child.exited;
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Real containerd (downstream) and a real registry (insecure) with a vimanad in front. */
export interface Stack {
  readonly containerd: ContainerdFixture;
  readonly registry: RegistryFixture;
  readonly vimanad: Vimanad;
  /** Stops vimanad, then containerd and the registry. */
  stop(): Promise<void>;
}

/** What most suites start; `options` go to vimanad. */
export async function startStack(
  options: Omit<VimanadOptions, "downstream" | "insecureRegistries">,
): Promise<Stack> {
  const [containerd, registry] = await Promise.all([startContainerd(), startRegistry()]);
  const stopFixtures = async () => {
    await Promise.all([containerd.stop(), registry.stop()]);
  };
  let vimanad: Vimanad;
  try {
    vimanad = await startVimanad({
      ...options,
      downstream: containerd.socket,
      insecureRegistries: [registry.host],
    });
  } catch (error) {
    await stopFixtures();
    throw error;
  }
  return {
    containerd,
    registry,
    vimanad,
    async stop() {
      await vimanad.cleanUp();
      await stopFixtures();
    },
  };
}

export interface PushedImage {
  readonly domain: string;
  readonly server: string;
  readonly version: string;
  /** `domain:server@version` */
  readonly component: string;
  readonly labels: Record<string, string>;
  readonly imageSpec: ImageSpec;
}

/** Builds the example (cached) and pushes it as `<registry>/<domain>/<server>:<version>`. */
export async function pushExample(
  registry: string,
  server: string,
  version: string,
  options: { domain?: string; example?: string } = {},
): Promise<PushedImage> {
  const name = options.example ?? "adder-wat";
  const example = exampleComponents.find((e) => e.name === name);
  if (example === undefined) throw new Error(`no example ${name}`);
  const [result] = await buildExamples({ only: [name] });
  if (result?.outcome === "failed") throw new Error(`building ${name} failed`);
  const domain = options.domain ?? crypto.randomUUID().replaceAll("-", "");
  const component = componentName(parseDomainUuid(domain), server, version);
  await pushVimanaImage({
    registry,
    insecure: true,
    component,
    componentBytes: new Uint8Array(readFileSync(builtPath(example))),
    metadataBytes: new Uint8Array(readFileSync(metadataPath(example))),
  });
  return pushedImage(registry, domain, server, version);
}

/** How the suites name an image pushed as `<registry>/<domain>/<server>:<version>`. */
export function pushedImage(
  registry: string,
  domain: string,
  server: string,
  version: string,
): PushedImage {
  return {
    domain,
    server,
    version,
    component: `${domain}:${server}@${version}`,
    labels: { [LABEL_DOMAIN]: domain, [LABEL_SERVER]: server, [LABEL_VERSION]: version },
    imageSpec: {
      image: `${registry}/${domain}/${server}:${version}`,
      annotations: {},
      user_specified_image: "",
      runtime_handler: RUNTIME_HANDLER,
      image_ref: "",
    },
  };
}

/** AddFloats on a pod's data plane with @grpc/grpc-js; resolves the float32 result. */
export function addFloats(host: string, port: number, x: number, y: number): Promise<number> {
  const target = host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
  const client = new grpc.Client(target, grpc.credentials.createInsecure());
  const request = Buffer.alloc(10);
  request.writeUInt8(0x0d, 0); // field 1, fixed32
  request.writeFloatLE(x, 1);
  request.writeUInt8(0x15, 5); // field 2, fixed32
  request.writeFloatLE(y, 6);
  return new Promise<number>((resolve, reject) => {
    client.makeUnaryRequest(
      "/foo.bar.AdderService/AddFloats",
      (bytes: Buffer) => bytes,
      (bytes: Buffer) => bytes,
      request,
      new grpc.Metadata(),
      { deadline: Date.now() + 5000 },
      (error, response) => {
        client.close();
        if (error) reject(error);
        else if (response === undefined) reject(new Error("AddFloats: no response"));
        // An absent field is 0; otherwise tag 0x0d then the float.
        else resolve(response.length === 0 ? 0 : response.readFloatLE(1));
      },
    );
  });
}

/** A pod up to its first answer: RunPodSandbox, CreateContainer, StartContainer, AddFloats. */
export async function startPod(
  cri: CriClient,
  image: PushedImage,
  port: number,
  options: { annotations?: Record<string, string> } = {},
): Promise<{ podSandboxId: string; containerId: string; ip: string }> {
  const { pod_sandbox_id } = await cri.call(criMethods.RunPodSandbox, {
    runtime_handler: RUNTIME_HANDLER,
    config: {
      metadata: { name: "pod", uid: crypto.randomUUID() },
      labels: image.labels,
      annotations: options.annotations ?? {},
    },
  });
  const sandbox = await cri.call(criMethods.PodSandboxStatus, { pod_sandbox_id });
  const ip = sandbox.status?.network?.ip ?? "";
  const { container_id } = await cri.call(criMethods.CreateContainer, {
    pod_sandbox_id,
    config: { metadata: { name: "grpc", attempt: 1 }, image: image.imageSpec },
  });
  await cri.call(criMethods.StartContainer, { container_id });
  const sum = await addFloats(ip, port, 1, 2);
  if (sum !== 3) throw new Error(`pod ${pod_sandbox_id}: AddFloats(1, 2) answered ${sum}`);
  return { podSandboxId: pod_sandbox_id, containerId: container_id, ip };
}

/** The rest of a pod's life, as kubelet ends it. */
export async function endPod(
  cri: CriClient,
  pod: { podSandboxId: string; containerId: string },
): Promise<void> {
  await cri.call(criMethods.StopContainer, { container_id: pod.containerId, timeout: 1n });
  await cri.call(criMethods.RemoveContainer, { container_id: pod.containerId });
  await cri.call(criMethods.StopPodSandbox, { pod_sandbox_id: pod.podSandboxId });
  await cri.call(criMethods.RemovePodSandbox, { pod_sandbox_id: pod.podSandboxId });
}

/** One pod, run to removal with a gRPC call on the way; resolves its address. */
export async function podLifecycle(
  cri: CriClient,
  image: PushedImage,
  port: number,
): Promise<string> {
  const pod = await startPod(cri, image, port);
  await endPod(cri, pod);
  return pod.ip;
}
