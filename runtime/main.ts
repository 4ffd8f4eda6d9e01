// vimanad: settings, wiring, signals (ref §1.2).
// First: it may replace the process to apply engine options, before anything else is loaded.
import "./engine.ts";
import { readFileSync } from "node:fs";
import { mkdir, unlink } from "node:fs/promises";
import { dirname, join } from "node:path";
import { formatPodName, type PodName, parsePodName } from "../src/names/index.ts";
import { pullChangedVimanaImage, pullVimanaImage } from "../src/oci/index.ts";
import { type Config, ConfigError, parseConfig, usage, VERSION } from "./config/index.ts";
import { createCriServer, criHandlers, Downstream } from "./cri/index.ts";
import { ConnectionBudget, defaultMaxConnections } from "./dataplane/index.ts";
import { engineWarning } from "./engine.ts";
import { ComponentHost, type LogLine } from "./host/index.ts";
import { ImageStore } from "./images/index.ts";
import { HostLocalIpam, type Ipam, LoopbackIpam } from "./ipam/index.ts";
import { createLogger, type Logger } from "./log/index.ts";
import { ContainerLogs, containerLogPath } from "./logs/index.ts";
import { componentPreparer, crashPoint, messageOf, Pods, RecordStore } from "./pods/index.ts";
import {
  CriGate,
  copyFds,
  listenCri,
  offerTakeover,
  requestTakeover,
  type Takeover,
} from "./takeover/index.ts";
import { WorkerPool } from "./workers/index.ts";

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
    dataDir: config.ipamDataDir,
    networkName: config.ipamNetworkName,
  });
}

/**
 * Whether process `pid` still runs, given it a moment: a process that died has closed its
 * sockets (what this side noticed) a little before it is gone, and a zombie counts as gone.
 */
async function isRunning(pid: number): Promise<boolean> {
  const deadline = Date.now() + 2_000;
  for (;;) {
    let state: string | undefined;
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
    } catch {
      return false;
    }
    if (state === "Z" || state === "X") return false;
    if (Date.now() > deadline) return true;
    await Bun.sleep(20);
  }
}

/** How long a takeover waits for the running vimanad to finish its CRI calls in flight. */
const TAKEOVER_TIMEOUT_MS = 60_000;

async function run(config: Config, log: Logger): Promise<void> {
  const controlPath = join(config.stateDir, "takeover.sock");
  await mkdir(config.stateDir, { recursive: true });
  // First, before reading any state: the running vimanad stops changing it.
  const takeover = config.takeover
    ? await requestTakeover(controlPath, TAKEOVER_TIMEOUT_MS)
    : undefined;
  if (config.takeover && takeover === undefined) {
    log.warn("--takeover: no vimanad answers on the takeover socket; starting on my own", {
      socket: controlPath,
    });
  }
  try {
    await serve(config, log, controlPath, takeover);
  } catch (error) {
    takeover?.callOff();
    throw error;
  }
}

async function serve(
  config: Config,
  log: Logger,
  controlPath: string,
  offered: Takeover | undefined,
): Promise<void> {
  let takeover = offered;
  const downstream = new Downstream(config.downstream);
  let ready = false;
  const images = await ImageStore.open({
    root: config.imageStore,
    pull: (reference, storedDigest) => {
      const insecure = config.insecureRegistries.includes(reference.registry);
      const options = { ...reference, insecure };
      // An image already stored (pull policy Always) is downloaded again only if it changed.
      return storedDigest === undefined
        ? pullVimanaImage(options)
        : pullChangedVimanaImage(options, storedDigest);
    },
  });
  // Component output goes to the container's log file (kubectl logs), else to vimanad's log.
  let pods: Pods | undefined;
  const logs = new ContainerLogs({
    pathOf: (pod) => {
      const found = pods?.get(parsePodName(pod));
      return containerLogPath(found?.sandbox.logDirectory, found?.container?.spec.logPath);
    },
    onError: (pod, path, error) =>
      log.error("Cannot write the container log", { pod, path, error: messageOf(error) }),
  });
  const componentLog = (line: LogLine) => {
    if (!logs.write(line)) {
      log.info(line.line, { component: line.component, pod: line.pod, stream: line.stream });
    }
  };
  const cacheDir = join(config.stateDir, "components");
  const host = new ComponentHost({ cacheDir, log: componentLog });
  const connections = new ConnectionBudget(config.maxConnections ?? defaultMaxConnections());
  // Component calls run on the workers, so that nothing they do delays a CRI answer.
  const workers =
    config.workers === 0
      ? undefined
      : await WorkerPool.start({
          count: config.workers,
          cacheDir,
          limits: config,
          connections,
          log: componentLog,
          onCrash: (message) => fail(`A worker thread died, its pods with it: ${message}`),
          warn: (message) => log.warn(message),
          // Relative to this module: right from source and inside the compiled executable.
          entry: new URL("./workers/worker.ts", import.meta.url).href,
        });
  const records = new RecordStore(config.stateDir);
  pods = new Pods({
    ipam: createIpam(config),
    prepare: componentPreparer({
      images,
      host,
      port: config.dataplanePort,
      limits: config,
      connections,
      log,
      ...(workers && { workers }),
    }),
    records,
    log,
  });
  const criHandled = criHandlers({
    downstream,
    pods,
    images,
    logs,
    servedPort: config.dataplanePort,
    log,
    ready: () => ready,
  });
  try {
    await criHandled.learnDownstream(Date.now() + DOWNSTREAM_TIMEOUT_MS);
  } catch (error) {
    fail(`Unable to connect to OCI runtime socket: ${config.downstream}: ${messageOf(error)}`);
  }

  // The previous process's listening sockets, copied into this one.
  let criFd: number | undefined;
  const listeners = new Map<string, number>();
  if (takeover !== undefined) {
    const { pid, cri, pods: podFds } = takeover.quiesced;
    try {
      const [copiedCri, ...copied] = copyFds(pid, [cri, ...podFds.values()]);
      criFd = copiedCri;
      for (const [i, id] of [...podFds.keys()].entries()) listeners.set(id, copied[i] as number);
    } catch (error) {
      // The old process died before its sockets were copied, and they died with it: this is
      // a start after a crash (its CRI calls had finished, so the records are complete).
      if (await isRunning(pid)) throw error;
      log.warn("The previous vimanad died before its sockets were copied; starting on my own", {
        pid,
        error: messageOf(error),
      });
      takeover.callOff();
      takeover = undefined;
    }
  }

  // Recovery, before the CRI socket accepts: kubelet's next call sees every pod as it was.
  const recoveryStarted = performance.now();
  const loaded = await records.load();
  for (const problem of loaded.problems) {
    log.error(`Unreadable pod record ${problem.file}: ${problem.message}`, { file: problem.file });
  }
  const outcomes = await pods.recover(loaded.records, {
    listeners,
    save: takeover === undefined,
  });
  if (takeover !== undefined) {
    // An upgrade must not cost a pod: rather keep the old process serving everything.
    const lost = outcomes.filter((outcome) => outcome.outcome === "exited");
    if (lost.length > 0) {
      throw new Error(
        `Takeover called off: ${lost.length} pod(s) would not serve here; the running vimanad carries on. First: ${formatPodName(lost[0]?.pod as PodName)}: ${(lost[0] as { reason: string }).reason}`,
      );
    }
  }
  log.info("Recovered pods", {
    pods: outcomes.filter((outcome) => outcome.outcome === "recovered").length,
    exited: outcomes.filter((outcome) => outcome.outcome === "exited").length,
    dropped: outcomes.filter((outcome) => outcome.outcome === "dropped").length,
    unreadable: loaded.problems.length,
    ms: Math.round(performance.now() - recoveryStarted),
  });

  const gate = new CriGate();
  const server = createCriServer({ handlers: gate.wrap(criHandled.handlers), downstream });
  await mkdir(dirname(config.incoming), { recursive: true });
  const cri = await listenCri(
    server,
    criFd === undefined ? { path: config.incoming } : { fd: criFd },
  );
  if (takeover !== undefined) {
    try {
      await takeover.ready();
    } catch (error) {
      // The old process died after naming its sockets: this one holds every one of them and the
      // records are complete (its CRI calls had finished), so it serves on rather than leave
      // the node with no vimanad at all.
      if (await isRunning(takeover.quiesced.pid)) throw error;
      log.warn("The previous vimanad died during the takeover; serving on my own", {
        pid: takeover.quiesced.pid,
        error: messageOf(error),
      });
    }
    await pods.saveAll();
    log.info("Took over from the previous vimanad", { pid: takeover.quiesced.pid });
  }
  // The old process has closed its end; this one answers the next takeover.
  await unlink(controlPath).catch(() => {});
  const control = await offerTakeover(controlPath, {
    reached: (step) => crashPoint(`takeover:${step}`),
    quiesce: async () => {
      log.info("A new vimanad is taking over: holding CRI calls");
      await gate.close();
      return { pid: process.pid, cri: cri.fd, pods: pods.listenerFds() };
    },
    callOff: (reason) => {
      log.warn("Takeover called off; serving on", { reason });
      gate.reopen();
    },
    handOver: () => void handOver(),
  });
  ready = true;
  log.info("Serving CRI", { socket: config.incoming, downstream: config.downstream });

  let stopping = false;
  /** Stops serving; with `successor`, another vimanad has the sockets and the records. */
  const stop = async (reason: string, successor?: Downstream) => {
    if (stopping) return;
    stopping = true;
    ready = false;
    log.info("Shutting down", { reason });
    control.close();
    await cri.close();
    if (successor !== undefined) {
      gate.handOver((path, request, call) =>
        successor.unary(path, request, call.metadata, call.deadline),
      );
    }
    const forced = setTimeout(() => server.forceShutdown(), SHUTDOWN_GRACE_MS);
    await Promise.all([
      new Promise<void>((resolve) => server.tryShutdown(() => resolve())),
      pods.stopServing(successor === undefined ? undefined : SHUTDOWN_GRACE_MS),
    ]);
    await cri.closed(SHUTDOWN_GRACE_MS, () => gate.idle);
    clearTimeout(forced);
    // So that a restart can bind again (ref §1.2 step 11) — unless the socket is the successor's.
    if (successor === undefined) await unlink(config.incoming).catch(() => {});
    successor?.close();
    downstream.close();
    logs.closeAll();
    process.exit(0);
  };
  const handOver = () => stop("taken over by a new vimanad", new Downstream(config.incoming));
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
