import type { PodName } from "../../src/names/index.ts";

export type PodState =
  | "Initiated"
  | "Created"
  | "Starting"
  | "Running"
  | "Stopped"
  | "Removed"
  | "Killed";

/** What RunPodSandbox gave: kept verbatim for status and list answers. */
export interface SandboxSpec {
  readonly metadata: unknown;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
  /** `config.log_directory`: where kubelet wants the pod's container logs (absent: none). */
  readonly logDirectory?: string;
}

/** What CreateContainer gave. */
export interface ContainerSpec {
  readonly metadata: { readonly name: string; readonly attempt: number } | null;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
  /** Environment variables in order, later duplicates already applied. */
  readonly env: ReadonlyMap<string, string>;
  /** The CRI ImageSpec, stored as given (the component is the one the pod's labels name). */
  readonly image: unknown;
  /** `config.log_path`, relative to the sandbox's log directory (absent: none). */
  readonly logPath?: string;
  /** The CPU limit kubelet sent (cpu_quota ÷ cpu_period), in cores; absent: none. */
  readonly cpuCores?: number;
}

/** How a stopped container ended. */
export interface ContainerExit {
  readonly finishedAt: bigint;
  readonly exitCode: number;
  /** `Completed` or `Error`. */
  readonly reason: string;
  readonly message: string;
}

/** A read-only view of one pod, for status and list answers. */
export interface PodView {
  readonly name: PodName;
  readonly state: PodState;
  readonly address: string;
  readonly sandbox: SandboxSpec;
  readonly createdAt: bigint;
  readonly container?: {
    readonly spec: ContainerSpec;
    readonly createdAt: bigint;
    readonly startedAt: bigint;
    /** The image's manifest digest, once the component is loaded. */
    readonly imageDigest?: string;
    readonly exit?: ContainerExit;
    /** What the loaded component costs now; absent until it is loaded or once it is freed. */
    readonly usage?: () => PodUsage;
  };
}

/** A pod's live cost, for CRI stats. */
export interface PodUsage {
  /** Linear memory of its instances, in bytes. */
  readonly memoryBytes: number;
  /** Time spent running its code, cumulative nanoseconds. */
  readonly cpuNanos: bigint;
}

/** A pod's component, loaded and ready to serve. */
export interface PreparedPod {
  /** The image's manifest digest. */
  readonly digest: string;
  /**
   * Starts serving on the pod's address; rejects if it cannot bind. With `listenerFd`, serves on
   * that already listening socket instead (one a takeover adopted from the previous vimanad).
   */
  serve(address: string, listenerFd?: number): Promise<PodServing>;
  /** Frees the pod's instances. */
  close(): void;
  /** What it costs now (zero memory once closed). */
  usage(): PodUsage;
}

export interface PodServing {
  /** The listening socket's file descriptor (what a takeover hands to the next vimanad). */
  readonly listenerFd: number;
  /** Stops accepting calls; calls in flight get `graceMs`. */
  stop(graceMs: number): Promise<void>;
}

/** Loads the component a pod runs, with the environment CreateContainer gave it. */
/** Loads a pod's component; the sandbox's annotations carry per-pod serving options. */
export type PreparePod = (
  pod: PodName,
  env: ReadonlyMap<string, string>,
  annotations: Readonly<Record<string, string>>,
  /** The container's CPU limit in cores, if it has one: the pod's share of the workers. */
  cpuCores?: number,
) => Promise<PreparedPod>;
