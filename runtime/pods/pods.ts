// The pod state machine (ref §1.6), with the fixes of issue #6: StartContainer restarts a
// stopped container; stopping or removing an unknown sandbox succeeds (CRI spec); an idempotent
// CreateContainer leaves a running pod running; an address is never leaked when a step fails.
// Every transition is saved to the pod's record before kubelet hears of it (issue #13), and
// `recover` brings the pods of an earlier process back (docs/vimanad.md, "Restarts").
import { type ComponentName, formatPodName, type PodName, podName } from "../../src/names/index.ts";
import type { Ipam } from "../ipam/index.ts";
import { type Logger, podFields } from "../log/index.ts";
import { type CrashPoint, crashPoint } from "./crash-points.ts";
import { messageOf, PodError } from "./errors.ts";
import type { PodRecordData, RecordStore } from "./records.ts";
import type {
  ContainerExit,
  ContainerSpec,
  PodServing,
  PodState,
  PodUsage,
  PodView,
  PreparedPod,
  PreparePod,
  SandboxSpec,
} from "./types.ts";

/** Annotation kubelet bumps on every restart; not a difference in what was asked for. */
const RESTART_COUNT = "io.kubernetes.container.restartCount";
/** How long a running server gets when its sandbox is stopped (ref §1.6). */
const KILL_GRACE_MS = 1000;

export interface PodsOptions {
  ipam: Ipam;
  prepare: PreparePod;
  /** Loaded (`load()`) before the first pod is run or recovered. */
  records: RecordStore;
  log: Logger;
}

/** How `recover` ended for one record. */
export type RecoveryOutcome =
  | { readonly pod: PodName; readonly outcome: "recovered"; readonly state: PodState }
  | { readonly pod: PodName; readonly outcome: "exited"; readonly reason: string }
  | { readonly pod: PodName; readonly outcome: "dropped"; readonly reason: string };

/** Why a Running pod is Stopped after a restart: kubelet sees it as an exited container. */
export const RECOVERY_FAILED = "RecoveryFailed";

/** A component load in progress or done; `settled` tells a pending load from a finished one. */
interface Init {
  readonly promise: Promise<PreparedPod>;
  settled?: { ok: true; prepared: PreparedPod } | { ok: false; error: unknown };
}

interface ContainerRecord {
  spec: ContainerSpec;
  createdAt: bigint;
  startedAt: bigint;
  init: Init;
  imageDigest?: string;
  exit?: ContainerExit;
}

interface PodRecord {
  readonly name: PodName;
  state: PodState;
  readonly address: string;
  /** Still reserved with the IPAM: a failed release is retried by the next stop or remove. */
  addressHeld: boolean;
  readonly sandbox: SandboxSpec;
  readonly createdAt: bigint;
  container?: ContainerRecord;
  serving?: PodServing;
  /** Operations on one pod take turns, so each transition sees the state the last one left. */
  turn: Promise<unknown>;
  /** False when the last save failed: the next operation on the pod saves first. */
  saved: boolean;
}

/** Nanoseconds since the epoch, as CRI timestamps are. */
export function nowNs(): bigint {
  return BigInt(Math.round((performance.timeOrigin + performance.now()) * 1e3)) * 1000n;
}

export class Pods {
  readonly #options: PodsOptions;
  readonly #pods = new Map<bigint, PodRecord>();

  constructor(options: PodsOptions) {
    this.#options = options;
  }

  /** RunPodSandbox: a new pod with an address, in state Initiated. */
  async run(component: ComponentName, sandbox: SandboxSpec): Promise<PodName> {
    const { records, ipam } = this.#options;
    const name = podName(component, await records.nextId());
    const createdAt = nowNs();
    // Saved before the address exists: after a crash here, recovery knows whose address to free.
    const intent = {
      name,
      state: "Initiated",
      address: null,
      addressHeld: false,
      sandbox,
      createdAt,
    } as const;
    await this.#write(name, () => records.write(intent));
    this.#crash("run-sandbox:before-allocate");
    let address: string;
    try {
      ({ address } = await ipam.allocate(name));
    } catch (error) {
      await records.delete(name).catch(() => {});
      throw error;
    }
    this.#crash("run-sandbox:allocated");
    const pod: PodRecord = {
      ...intent,
      address,
      addressHeld: true,
      turn: Promise.resolve(),
      saved: false,
    };
    this.#pods.set(name.id, pod);
    await this.#save(pod);
    this.#log("Successful pod initialization", name, { ip: address });
    return name;
  }

  createContainer(name: PodName, spec: ContainerSpec): Promise<void> {
    return this.#inTurn(name, "Pod not found", async (pod) => {
      switch (pod.state) {
        case "Initiated":
        case "Removed":
          pod.container = {
            spec,
            createdAt: nowNs(),
            startedAt: 0n,
            init: this.#spawnInit(pod.name, spec, pod.sandbox),
          };
          pod.state = "Created";
          await this.#save(pod);
          this.#crash("create-container:persisted");
          this.#log("Successful container creation", name);
          return;
        case "Created":
        case "Starting":
        case "Running": {
          const container = pod.container as ContainerRecord;
          if (!sameContainer(container.spec, spec)) {
            throw new PodError("Container cannot be recreated with different parameters");
          }
          const oldAttempt = container.spec.metadata?.attempt ?? 0;
          const unfinished = container.init.settled?.ok !== true;
          // Unlike the original, the state is kept: a running pod stays running.
          if (unfinished && (spec.metadata?.attempt ?? 0) > oldAttempt) {
            container.init = this.#spawnInit(pod.name, spec, pod.sandbox);
            this.#log("Reattempted container creation", name);
          } else {
            this.#log("Idempotent container creation", name);
          }
          container.spec = spec;
          container.createdAt = nowNs();
          await this.#save(pod);
          return;
        }
        default:
          throw badPriorState(pod.state);
      }
    });
  }

  startContainer(name: PodName): Promise<void> {
    return this.#inTurn(name, "Container not found", async (pod) => {
      switch (pod.state) {
        case "Created":
        case "Stopped":
          await this.#start(pod);
          return;
        case "Starting":
        case "Running":
          this.#log("Idempotent container start", name);
          return;
        default:
          throw badPriorState(pod.state);
      }
    });
  }

  /** StopContainer: the server gets `timeoutSeconds` to finish calls in flight. */
  stopContainer(name: PodName, timeoutSeconds: number): Promise<void> {
    return this.#inTurn(name, "Container not found", async (pod) => {
      switch (pod.state) {
        case "Starting":
        case "Running":
          await this.#stopServing(pod, Math.max(0, timeoutSeconds) * 1000);
          this.#crash("stop-container:stopped-serving");
          pod.state = "Stopped";
          await this.#save(pod);
          this.#log("Successful container stop", name);
          return;
        case "Stopped":
          this.#log("Idempotent container stop", name);
          return;
        default:
          throw badPriorState(pod.state);
      }
    });
  }

  removeContainer(name: PodName): Promise<void> {
    return this.#inTurn(name, "Container not found", async (pod) => {
      switch (pod.state) {
        case "Stopped":
          closeInit(pod.container?.init);
          pod.state = "Removed";
          await this.#save(pod);
          this.#log("Successful container removal", name);
          return;
        case "Removed":
          this.#log("Idempotent container removal", name);
          return;
        default:
          throw badPriorState(pod.state);
      }
    });
  }

  /** StopPodSandbox: Killed from any state; an unknown pod is already stopped (CRI spec). */
  async stopSandbox(name: PodName): Promise<void> {
    if (!this.#pods.has(name.id)) return;
    await this.#inTurn(name, "Pod not found", async (pod) => {
      if (pod.state === "Killed") this.#log("Idempotent pod kill", name);
      await this.#kill(pod);
    });
  }

  /**
   * RemovePodSandbox: forgets the pod. Unlike the original, which required Killed, a pod in any
   * state is stopped first (the CRI spec: running containers are forcibly terminated), and an
   * unknown pod is already removed.
   */
  async removeSandbox(name: PodName): Promise<void> {
    if (!this.#pods.has(name.id)) return;
    await this.#inTurn(name, "Pod not found", async (pod) => {
      await this.#kill(pod);
      this.#crash("remove-sandbox:released");
      await this.#write(pod.name, () => this.#options.records.delete(pod.name));
      this.#pods.delete(pod.name.id);
      this.#log("Successful pod deletion", name);
    });
  }

  /** Stops the server, frees the component and the address; a failed release is retried. */
  async #kill(pod: PodRecord): Promise<void> {
    if (pod.state !== "Killed") {
      await this.#stopServing(pod, KILL_GRACE_MS);
      closeInit(pod.container?.init);
      pod.state = "Killed";
      await this.#save(pod);
      this.#log("Successful pod kill", pod.name);
    }
    await this.#releaseAddress(pod);
  }

  /** The pod, if this process knows it under exactly this name. */
  get(name: PodName): PodView | undefined {
    const pod = this.#lookup(name);
    return pod && view(pod);
  }

  list(): PodView[] {
    return [...this.#pods.values()].map(view);
  }

  /**
   * Shutdown or hand-over: every server stops (by default with the grace of a killed pod). No state
   * changes: the records still say Running, so the next vimanad serves these pods again.
   */
  async stopServing(graceMs = KILL_GRACE_MS): Promise<void> {
    await Promise.all([...this.#pods.values()].map((pod) => pod.serving?.stop(graceMs)));
  }

  /** The listening socket of every serving pod, for a takeover (pod ID in hex → fd). */
  listenerFds(): Map<string, number> {
    const fds = new Map<string, number>();
    for (const pod of this.#pods.values()) {
      if (pod.serving !== undefined) fds.set(pod.name.id.toString(16), pod.serving.listenerFd);
    }
    return fds;
  }

  /**
   * Brings back the pods of an earlier vimanad from their records: addresses re-reserved,
   * components loaded, Running pods serving again — on `listeners[idHex]` if given (a takeover),
   * else on a socket of their own. A pod that cannot serve again becomes an exited container
   * (reason RecoveryFailed); a pod whose RunPodSandbox never finished is dropped and its address
   * freed. With `save: false` nothing is written (a takeover that may still be called off).
   */
  async recover(
    records: readonly PodRecordData[],
    options: { listeners?: ReadonlyMap<string, number>; save?: boolean } = {},
  ): Promise<RecoveryOutcome[]> {
    return Promise.all(records.map((record) => this.#recoverOne(record, options)));
  }

  /** Saves every pod whose record recovery changed but did not write. */
  async saveAll(): Promise<void> {
    await Promise.all(
      [...this.#pods.values()].filter((pod) => !pod.saved).map((pod) => this.#save(pod)),
    );
  }

  async #recoverOne(
    record: PodRecordData,
    options: { listeners?: ReadonlyMap<string, number>; save?: boolean },
  ): Promise<RecoveryOutcome> {
    const { name } = record;
    const { ipam, records } = this.#options;
    if (record.address === null) {
      // RunPodSandbox did not return: kubelet never saw this pod. Free whatever it got; if that
      // fails, the record stays and the next start tries again.
      try {
        await ipam.release(name);
        if (options.save !== false) await records.delete(name);
      } catch (error) {
        this.#options.log.error("Could not free the address of an unfinished pod", {
          ...podFields(name),
          error: messageOf(error),
        });
      }
      this.#log("Dropped a pod whose RunPodSandbox did not finish", name);
      return { pod: name, outcome: "dropped", reason: "RunPodSandbox did not finish" };
    }
    const pod: PodRecord = {
      name,
      state: record.state === "Starting" ? "Created" : record.state,
      address: record.address,
      addressHeld: record.addressHeld,
      sandbox: record.sandbox,
      createdAt: record.createdAt,
      turn: Promise.resolve(),
      saved: record.state !== "Starting",
    };
    if (record.container !== undefined) {
      const { spec, createdAt, startedAt, imageDigest, exit } = record.container;
      pod.container = {
        spec,
        createdAt,
        startedAt,
        ...(imageDigest !== undefined && { imageDigest }),
        ...(exit !== undefined && { exit }),
        init: hasLoadedComponent(pod.state)
          ? this.#spawnInit(name, spec, pod.sandbox, pod)
          : {
              promise: Promise.reject(new Error("no component")),
              settled: { ok: false, error: undefined },
            },
      };
      pod.container.init.promise.catch(() => {});
    }
    this.#pods.set(name.id, pod);
    let failure: string | undefined;
    if (pod.addressHeld) {
      try {
        await ipam.adopt(name, pod.address);
      } catch (error) {
        failure = `its address ${pod.address} could not be reserved again: ${messageOf(error)}`;
        pod.addressHeld = false;
      }
    }
    if (pod.state === "Running") {
      if (failure === undefined) {
        try {
          const prepared = await (pod.container as ContainerRecord).init.promise;
          pod.serving = await prepared.serve(
            pod.address,
            options.listeners?.get(name.id.toString(16)),
          );
        } catch (error) {
          failure = messageOf(error);
        }
      }
      if (failure !== undefined) {
        pod.state = "Stopped";
        (pod.container as ContainerRecord).exit = {
          finishedAt: nowNs(),
          exitCode: 1,
          reason: RECOVERY_FAILED,
          message: `vimanad restarted and could not serve the pod again: ${failure}`,
        };
        pod.saved = false;
      }
    } else if (failure !== undefined) {
      pod.saved = false;
    }
    if (options.save !== false && !pod.saved) await this.#save(pod);
    if (failure !== undefined) {
      this.#options.log.error("Pod recovered as exited", { ...podFields(name), error: failure });
      return { pod: name, outcome: "exited", reason: failure };
    }
    this.#log("Recovered pod", name, { state: pod.state, ip: pod.address });
    return { pod: name, outcome: "recovered", state: pod.state };
  }

  async #start(pod: PodRecord): Promise<void> {
    const container = pod.container as ContainerRecord;
    if (container.init.settled === undefined) this.#log("Waiting to start container", pod.name);
    let prepared: PreparedPod;
    try {
      prepared = await container.init.promise;
    } catch (error) {
      throw new PodError(`Failed starting pod: ${messageOf(error)}`, false, { cause: error });
    }
    const from = pod.state;
    pod.state = "Starting";
    this.#log("Container starting", pod.name);
    try {
      pod.serving = await prepared.serve(pod.address);
    } catch (error) {
      pod.state = from;
      throw new PodError(`Failed binding to port: ${messageOf(error)}`, false, { cause: error });
    }
    this.#crash("start-container:serving");
    pod.state = "Running";
    container.startedAt = nowNs();
    container.exit = undefined;
    await this.#save(pod);
    this.#log("Successful container start", pod.name);
  }

  async #stopServing(pod: PodRecord, graceMs: number): Promise<void> {
    const serving = pod.serving;
    if (serving === undefined) return;
    pod.serving = undefined;
    let exit: ContainerExit;
    try {
      await serving.stop(graceMs);
      exit = { finishedAt: nowNs(), exitCode: 0, reason: "Completed", message: "" };
    } catch (error) {
      exit = { finishedAt: nowNs(), exitCode: 1, reason: "Error", message: messageOf(error) };
      this.#options.log.error("Container stopped with an error", {
        ...podFields(pod.name),
        error: messageOf(error),
      });
    }
    if (pod.container) pod.container.exit = exit;
  }

  async #releaseAddress(pod: PodRecord): Promise<void> {
    if (!pod.addressHeld) return;
    try {
      await this.#options.ipam.release(pod.name);
    } catch (error) {
      throw new PodError(`Failed to release pod IP ${pod.address}: ${messageOf(error)}`, false, {
        cause: error,
      });
    }
    pod.addressHeld = false;
    await this.#save(pod);
    this.#log(`Successful IPAM deallocation: ${pod.address}`, pod.name);
  }

  /** Writes the pod's record; a failure is the operation's error, and the next one retries. */
  async #save(pod: PodRecord): Promise<void> {
    pod.saved = false;
    await this.#write(pod.name, () => this.#options.records.write(record(pod)));
    pod.saved = true;
  }

  async #write(name: PodName, write: () => Promise<void>): Promise<void> {
    try {
      await write();
    } catch (error) {
      throw new PodError(
        `Failed saving the state of pod ${formatPodName(name)} in ${this.#options.records.dir}: ${messageOf(error)}`,
        false,
        { cause: error },
      );
    }
  }

  #crash(point: CrashPoint): void {
    crashPoint(point);
  }

  #spawnInit(name: PodName, spec: ContainerSpec, sandbox: SandboxSpec, owner?: PodRecord): Init {
    const init: Init = {
      promise: this.#options.prepare(name, spec.env, sandbox.annotations, spec.cpuCores),
    };
    init.promise.then(
      (prepared) => {
        init.settled = { ok: true, prepared };
        const container = (owner ?? this.#pods.get(name.id))?.container;
        if (container?.init === init) container.imageDigest = prepared.digest;
      },
      (error: unknown) => {
        init.settled = { ok: false, error };
        this.#options.log.error("Failed loading the component", {
          ...podFields(name),
          error: messageOf(error),
        });
      },
    );
    return init;
  }

  #lookup(name: PodName): PodRecord | undefined {
    const pod = this.#pods.get(name.id);
    // The number is per process; the rest of the name must match too.
    return pod && formatPodName(pod.name) === formatPodName(name) ? pod : undefined;
  }

  #inTurn<T>(name: PodName, notFound: string, action: (pod: PodRecord) => T | Promise<T>) {
    const pod = this.#lookup(name);
    if (pod === undefined) return Promise.reject(new PodError(notFound));
    const result = pod.turn.then(async () => {
      if (!pod.saved) await this.#save(pod);
      return action(pod);
    });
    pod.turn = result.catch(() => {});
    return result;
  }

  #log(message: string, name: PodName, fields: Record<string, string> = {}): void {
    this.#options.log.info(message, { ...podFields(name), ...fields });
  }
}

function badPriorState(state: PodState): PodError {
  return new PodError(`Bad prior state: ${state}`);
}

function closeInit(init: Init | undefined): void {
  if (init?.settled?.ok) init.settled.prepared.close();
  else
    init?.promise.then(
      (prepared) => prepared.close(),
      () => {},
    );
}

/** The original's equality for an idempotent CreateContainer: attempt and restartCount aside. */
function sameContainer(a: ContainerSpec, b: ContainerSpec): boolean {
  const withoutRestarts = (annotations: Readonly<Record<string, string>>) => {
    const { [RESTART_COUNT]: _, ...rest } = annotations;
    return rest;
  };
  return (
    (a.metadata?.name ?? "") === (b.metadata?.name ?? "") &&
    Bun.deepEquals(a.labels, b.labels) &&
    Bun.deepEquals(withoutRestarts(a.annotations), withoutRestarts(b.annotations)) &&
    Bun.deepEquals([...a.env], [...b.env]) &&
    Bun.deepEquals(a.image, b.image)
  );
}

/** States in which the pod has a container whose component is (or can be) loaded. */
function hasLoadedComponent(state: PodState): boolean {
  return state === "Created" || state === "Running" || state === "Stopped";
}

function record(pod: PodRecord): PodRecordData {
  const { container } = pod;
  return {
    name: pod.name,
    state: pod.state,
    address: pod.address,
    addressHeld: pod.addressHeld,
    sandbox: pod.sandbox,
    createdAt: pod.createdAt,
    ...(container && { container: containerData(container) }),
  };
}

/** A container's lasting part: what its record keeps and its view shows. */
function containerData(container: ContainerRecord) {
  return {
    spec: container.spec,
    createdAt: container.createdAt,
    startedAt: container.startedAt,
    ...(container.imageDigest !== undefined && { imageDigest: container.imageDigest }),
    ...(container.exit && { exit: container.exit }),
  };
}

function view(pod: PodRecord): PodView {
  const { container } = pod;
  return {
    name: pod.name,
    state: pod.state,
    address: pod.address,
    sandbox: pod.sandbox,
    createdAt: pod.createdAt,
    ...(container && {
      container: {
        ...containerData(container),
        ...(container.init.settled?.ok && { usage: usageOf(container.init.settled.prepared) }),
      },
    }),
  };
}

function usageOf(prepared: PreparedPod): () => PodUsage {
  return () => prepared.usage();
}
