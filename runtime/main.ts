// vimanad: settings, wiring, signals (ref §1.2).
// First: it may replace the process to apply engine options, before anything else is loaded.
import "./engine.ts";
import { existsSync } from "node:fs";
import { mkdir, unlink } from "node:fs/promises";
import net from "node:net";
import { dirname, join } from "node:path";
import * as grpc from "@grpc/grpc-js";
import { pullVimanaImage } from "../src/oci/index.ts";
import { type Config, ConfigError, parseConfig, usage, VERSION } from "./config/index.ts";
import { createCriServer, criHandlers, Downstream } from "./cri/index.ts";
import { engineWarning } from "./engine.ts";
import { ComponentHost } from "./host/index.ts";
import { ImageStore } from "./images/index.ts";
import { HostLocalIpam, type Ipam, LoopbackIpam } from "./ipam/index.ts";
import { createLogger, type Logger } from "./log/index.ts";
import { componentPreparer, messageOf, Pods } from "./pods/index.ts";

/** How long startup waits for the downstream runtime to answer before giving up. */
const DOWNSTREAM_TIMEOUT_MS = 10_000;
/** How long calls in flight get when vimanad is told to stop. */
const SHUTDOWN_GRACE_MS = 5_000;

function fail(message: string): never {
  process.stderr.write(`vimanad: ${message}\n`);
  process.exit(1);
}

function createIpam(config: Config): Ipam {
  if (config.ipam === "loopback") return new LoopbackIpam();
  return new HostLocalIpam({
    subnet: config.podIps,
    interface: config.networkInterface,
    pluginPath: config.ipamPlugin,
  });
}

/** A socket file left by a crashed vimanad is removed; one something still serves on is not. */
async function clearStaleSocket(path: string): Promise<void> {
  if (!existsSync(path)) return;
  const answered = await new Promise<boolean>((resolve) => {
    const probe = net.connect(path);
    probe.once("connect", () => {
      probe.destroy();
      resolve(true);
    });
    probe.once("error", () => resolve(false));
  });
  if (answered) throw new Error(`Cannot bind Unix socket '${path}': another process serves on it`);
  await unlink(path);
}

function bind(server: grpc.Server, path: string): Promise<void> {
  return new Promise((resolve, reject) =>
    server.bindAsync(`unix://${path}`, grpc.ServerCredentials.createInsecure(), (error) =>
      error ? reject(new Error(`Cannot bind Unix socket '${path}': ${error.message}`)) : resolve(),
    ),
  );
}

async function run(config: Config, log: Logger): Promise<void> {
  const downstream = new Downstream(config.downstream);
  let ready = false;
  const images = await ImageStore.open({
    root: config.imageStore,
    pull: (reference) =>
      pullVimanaImage({
        ...reference,
        insecure: config.insecureRegistries.includes(reference.registry),
      }),
  });
  const host = new ComponentHost({
    cacheDir: join(config.stateDir, "components"),
    log: (line) =>
      log.info(line.line, { component: line.component, pod: line.pod, stream: line.stream }),
  });
  const pods = new Pods({
    ipam: createIpam(config),
    prepare: componentPreparer({ images, host, port: config.dataplanePort, log }),
    log,
  });
  const { handlers, learnDownstream } = criHandlers({
    downstream,
    pods,
    images,
    log,
    ready: () => ready,
  });
  try {
    await learnDownstream(Date.now() + DOWNSTREAM_TIMEOUT_MS);
  } catch (error) {
    fail(`Unable to connect to OCI runtime socket: ${config.downstream}: ${messageOf(error)}`);
  }

  const server = createCriServer({ handlers, downstream });
  await mkdir(dirname(config.incoming), { recursive: true });
  await clearStaleSocket(config.incoming);
  await bind(server, config.incoming);
  ready = true;
  log.info("Serving CRI", { socket: config.incoming, downstream: config.downstream });

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    ready = false;
    log.info("Shutting down", { signal });
    const forced = setTimeout(() => server.forceShutdown(), SHUTDOWN_GRACE_MS);
    await Promise.all([
      new Promise<void>((resolve) => server.tryShutdown(() => resolve())),
      pods.stopServing(),
    ]);
    clearTimeout(forced);
    // So that a restart can bind again (ref §1.2 step 11).
    await unlink(config.incoming).catch(() => {});
    downstream.close();
    process.exit(0);
  };
  process.on("SIGTERM", () => void stop("SIGTERM"));
  process.on("SIGINT", () => void stop("SIGINT"));
}

async function main(): Promise<void> {
  let parsed: ReturnType<typeof parseConfig>;
  try {
    parsed = parseConfig(process.argv.slice(2));
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`vimanad: ${error.message}\n\n${usage}`);
      process.exit(2);
    }
    throw error;
  }
  if (parsed.kind === "help") {
    process.stdout.write(usage);
    return;
  }
  if (parsed.kind === "version") {
    process.stdout.write(`vimanad ${VERSION}\n`);
    return;
  }
  const log = createLogger({ format: parsed.config.logFormat });
  if (engineWarning !== undefined) log.warn(engineWarning);
  try {
    await run(parsed.config, log);
  } catch (error) {
    fail(messageOf(error));
  }
}

await main();
