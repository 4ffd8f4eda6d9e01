// The pod state machine (ref §1.6), with the fixes of issue #6: StartContainer restarts a
// stopped container; stopping or removing an unknown sandbox succeeds (CRI spec); an idempotent
// CreateContainer leaves a running pod running; an address is never leaked when a step fails.
import { type ComponentName, formatPodName, type PodName, podName } from "../../src/names/index.ts";
import type { Ipam } from "../ipam/index.ts";
import { type Logger, podFields } from "../log/index.ts";
import { messageOf, PodError } from "./errors.ts";
import type {
  ContainerExit,
  ContainerSpec,
  PodServing,
  PodState,
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
  log: Logger;
}

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
}

/** Nanoseconds since the epoch, as CRI timestamps are. */
export function nowNs(): bigint {
  return BigInt(Math.round((performance.timeOrigin + performance.now()) * 1e3)) * 1000n;
}

export class Pods {
  readonly #options: PodsOptions;
  readonly #pods = new Map<bigint, PodRecord>();
  #nextId = 0n;

  constructor(options: PodsOptions) {
    this.#options = options;
  }

  /** RunPodSandbox: a new pod with an address, in state Initiated. */
  async run(component: ComponentName, sandbox: SandboxSpec): Promise<PodName> {
    const name = podName(component, this.#nextId++);
    const { address } = await this.#options.ipam.allocate(name);
    this.#pods.set(name.id, {
      name,
      state: "Initiated",
      address,
      addressHeld: true,
      sandbox,
      createdAt: nowNs(),
      turn: Promise.resolve(),
    });
    this.#log("Successful pod initialization", name, { ip: address });
    return name;
  }

  createContainer(name: PodName, spec: ContainerSpec): Promise<void> {
    return this.#inTurn(name, "Pod not found", (pod) => {
      switch (pod.state) {
        case "Initiated":
        case "Removed":
          pod.container = {
            spec,
            createdAt: nowNs(),
            startedAt: 0n,
            init: this.#spawnInit(pod.name, spec.env),
          };
          pod.state = "Created";
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
            container.init = this.#spawnInit(pod.name, spec.env);
            this.#log("Reattempted container creation", name);
          } else {
            this.#log("Idempotent container creation", name);
          }
          container.spec = spec;
          container.createdAt = nowNs();
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
          pod.state = "Stopped";
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
    return this.#inTurn(name, "Container not found", (pod) => {
      switch (pod.state) {
        case "Stopped":
          closeInit(pod.container?.init);
          pod.state = "Removed";
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

  /** Shutdown: every server stops, with the same grace as a killed pod. */
  async stopServing(): Promise<void> {
    await Promise.all([...this.#pods.values()].map((pod) => pod.serving?.stop(KILL_GRACE_MS)));
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
    pod.state = "Running";
    container.startedAt = nowNs();
    container.exit = undefined;
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
    this.#log(`Successful IPAM deallocation: ${pod.address}`, pod.name);
  }

  #spawnInit(name: PodName, env: ReadonlyMap<string, string>): Init {
    const init: Init = { promise: this.#options.prepare(name, env) };
    init.promise.then(
      (prepared) => {
        init.settled = { ok: true, prepared };
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
    const result = pod.turn.then(() => action(pod));
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

function view(pod: PodRecord): PodView {
  const { container } = pod;
  const settled = container?.init.settled;
  return {
    name: pod.name,
    state: pod.state,
    address: pod.address,
    sandbox: pod.sandbox,
    createdAt: pod.createdAt,
    ...(container && {
      container: {
        spec: container.spec,
        createdAt: container.createdAt,
        startedAt: container.startedAt,
        ...(settled?.ok && { imageDigest: settled.prepared.digest }),
        ...(container.exit && { exit: container.exit }),
      },
    }),
  };
}
