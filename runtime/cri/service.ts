// What vimanad answers to each CRI call: Vimana pods and images locally, everything else by
// forwarding the raw bytes downstream (ref §1.3–§1.8, §3.4). Pods and containers are here;
// images in image-service.ts, stats in stats.ts.
import * as grpc from "@grpc/grpc-js";
import {
  type ComponentName,
  componentNameFromLabels,
  containerId,
  formatComponentName,
  formatPodName,
  type PodName,
  parseContainerId,
  parsePodSandboxId,
  podSandboxId,
  RUNTIME_HANDLER,
} from "../../src/names/index.ts";
import { VERSION } from "../config/index.ts";
import type { ImageStore } from "../images/index.ts";
import { type Logger, podFields } from "../log/index.ts";
import type { ContainerLogs } from "../logs/index.ts";
import { messageOf, nowNs, type Pods } from "../pods/index.ts";
import { criMessage } from "./codec.ts";
import type { Downstream, RawAnswer } from "./downstream.ts";
import { CriStatusError, internal } from "./errors.ts";
import { registerImageHandlers } from "./image-service.ts";
import { metadataSizeProblem } from "./input-limits.ts";
import {
  answer,
  appended,
  type HandlerKit,
  type IdKind,
  idMatches,
  notFound,
  type PodHandler,
} from "./kit.ts";
import * as m from "./messages.ts";
import {
  containerStatus,
  hasContainer,
  listedContainers,
  listedPodSandboxes,
  podSandboxStatus,
} from "./payloads.ts";
import { DownstreamIds } from "./routing.ts";
import { registerStatsHandlers } from "./stats.ts";

export interface CallContext {
  readonly metadata: grpc.Metadata;
  readonly deadline?: grpc.Deadline;
}

/** A unary rpc: the request's bytes in, the response's bytes and trailers out. */
export type UnaryHandler = (request: Buffer, call: CallContext) => Promise<RawAnswer>;

export interface CriServiceOptions {
  downstream: Downstream;
  pods: Pods;
  images: ImageStore;
  /** Where component output goes: the container log files kubelet reads. */
  logs: ContainerLogs;
  /** The port every pod serves on: the one container port a pod may declare. */
  servedPort: number;
  log: Logger;
  /** Whether vimanad itself can run pods now; folded into the Status answer. */
  ready: () => boolean;
}

const utf8 = new TextDecoder();

const codec = {
  RunPodSandboxRequest: criMessage<m.RunPodSandboxRequest>("RunPodSandboxRequest"),
  RunPodSandboxResponse: criMessage<m.RunPodSandboxResponse>("RunPodSandboxResponse"),
  PodSandboxIdRequest: criMessage<m.PodSandboxIdRequest>("StopPodSandboxRequest"),
  ContainerIdRequest: criMessage<m.ContainerIdRequest>("StartContainerRequest"),
  StopContainerRequest: criMessage<m.StopContainerRequest>("StopContainerRequest"),
  CreateContainerRequest: criMessage<m.CreateContainerRequest>("CreateContainerRequest"),
  CreateContainerResponse: criMessage<m.CreateContainerResponse>("CreateContainerResponse"),
  ListPodSandboxRequest: criMessage<m.ListPodSandboxRequest>("ListPodSandboxRequest"),
  ListPodSandboxResponse: criMessage<m.ListPodSandboxResponse>("ListPodSandboxResponse"),
  ListContainersRequest: criMessage<m.ListContainersRequest>("ListContainersRequest"),
  ListContainersResponse: criMessage<m.ListContainersResponse>("ListContainersResponse"),
  PodSandboxStatusResponse: criMessage<m.PodSandboxStatusResponse>("PodSandboxStatusResponse"),
  ContainerStatusResponse: criMessage<m.ContainerStatusResponse>("ContainerStatusResponse"),
  VersionResponse: criMessage<m.VersionResponse>("VersionResponse"),
  StatusResponse: criMessage<m.StatusResponse>("StatusResponse"),
};

/** Per-object rpcs a Wasm pod has no use for: routed by ID, UNIMPLEMENTED for Vimana IDs. */
const unsupportedByContainer = [
  "UpdateContainerResources",
  "ExecSync",
  "Exec",
  "Attach",
  "CheckpointContainer",
];
const unsupportedBySandbox = ["PortForward", "UpdatePodSandboxResources", "CheckpointPod"];

/**
 * Why a pod's port mappings cannot be served, or undefined if they can: a pod serves on its own
 * address at one port, so it may declare that container port (kubelet sends one mapping per
 * declared port, host_port 0 = none), but no host port, other port or other protocol.
 */
function portMappingProblem(
  mappings: readonly m.PortMapping[],
  served: number,
): string | undefined {
  for (const mapping of mappings) {
    if (mapping.protocol !== m.Protocol.TCP) {
      return `container port ${mapping.container_port}: only TCP is served, not protocol ${mapping.protocol}`;
    }
    if (mapping.host_port !== 0) {
      return `host port ${mapping.host_port} (container port ${mapping.container_port}): host ports are unsupported; a Vimana pod serves on its own address`;
    }
    if (mapping.container_port !== served) {
      return `container port ${mapping.container_port}: a Vimana pod serves on port ${served} only`;
    }
  }
  return undefined;
}

/** Builds the handler of every unary rpc vimanad does not simply forward. */
export function criHandlers(options: CriServiceOptions): {
  handlers: Map<string, UnaryHandler>;
  /** Reads downstream's pods and containers, so their IDs route there (ref §1.2 step 9). */
  learnDownstream(deadline: grpc.Deadline): Promise<void>;
} {
  const { downstream, pods, logs, log } = options;
  const ids = new DownstreamIds();
  const handlers = new Map<string, UnaryHandler>();

  const failed = (error: unknown, pod?: PodName | ComponentName): never => {
    const fields =
      pod === undefined
        ? {}
        : "id" in pod
          ? podFields(pod as PodName)
          : { component: formatComponentName(pod) };
    log.error(messageOf(error), fields);
    throw error;
  };
  /** The pod an ID names: the whole ID, or a prefix only one pod's ID starts with (crictl). */
  const named = (kind: IdKind, id: string): PodName => {
    try {
      return kind.parse(id);
    } catch (error) {
      const matching = pods.list().filter((pod) => kind.format(pod.name).startsWith(id));
      if (matching.length === 1 && matching[0] !== undefined) return matching[0].name;
      return failed(internal(messageOf(error), error));
    }
  };
  const sandboxIds: IdKind = { parse: parsePodSandboxId, format: podSandboxId };
  const containerIds: IdKind = { parse: parseContainerId, format: containerId };
  const routed =
    (idOf: (bytes: Buffer) => string, kind: IdKind): HandlerKit["bySandbox"] =>
    (name, vimana, after) =>
    async (bytes, call) => {
      const id = idOf(bytes);
      if (ids.owns(id)) {
        const reply = await kit.forward(name, bytes, call);
        after?.(id);
        return reply;
      }
      const pod = named(kind, id);
      try {
        return await vimana(pod, bytes);
      } catch (error) {
        return failed(error, pod);
      }
    };
  const kit: HandlerKit = {
    options,
    runtime: (name, handler) => handlers.set(`/runtime.v1.RuntimeService/${name}`, handler),
    image: (name, handler) => handlers.set(`/runtime.v1.ImageService/${name}`, handler),
    forward: (name, bytes, call, service = "RuntimeService") =>
      downstream.unary(`/runtime.v1.${service}/${name}`, bytes, call.metadata, call.deadline),
    failed,
    bySandbox: routed(
      (bytes) => codec.PodSandboxIdRequest.decode(bytes).pod_sandbox_id,
      sandboxIds,
    ),
    byContainer: routed(
      (bytes) => codec.ContainerIdRequest.decode(bytes).container_id,
      containerIds,
    ),
  };
  const { runtime, bySandbox, byContainer } = kit;
  const empty = answer(new Uint8Array());
  const unsupported =
    (name: string): PodHandler =>
    async () => {
      throw new CriStatusError(
        grpc.status.UNIMPLEMENTED,
        `${name} is not supported for Vimana pods`,
      );
    };

  runtime("Version", async () =>
    answer(
      codec.VersionResponse.encode({
        version: "0.1.0",
        runtime_name: "vimana",
        runtime_version: VERSION,
        runtime_api_version: "v1",
      }),
    ),
  );

  runtime("RunPodSandbox", async (bytes, call) => {
    const request = codec.RunPodSandboxRequest.decode(bytes);
    const tooLarge = metadataSizeProblem("pod sandbox", request.config ?? {});
    if (tooLarge !== undefined) {
      return failed(new CriStatusError(grpc.status.INVALID_ARGUMENT, tooLarge));
    }
    if (request.runtime_handler !== RUNTIME_HANDLER) {
      const reply = await kit.forward("RunPodSandbox", bytes, call);
      ids.add(codec.RunPodSandboxResponse.decode(reply.bytes).pod_sandbox_id);
      return reply;
    }
    const config = request.config;
    let component: ComponentName;
    try {
      component = componentNameFromLabels(config?.labels ?? {});
    } catch (error) {
      return failed(internal(`Invalid pod labels: ${messageOf(error)}`, error));
    }
    const problem = portMappingProblem(config?.port_mappings ?? [], options.servedPort);
    if (problem !== undefined) {
      return failed(
        new CriStatusError(grpc.status.INVALID_ARGUMENT, `Unsupported port mapping: ${problem}`),
        component,
      );
    }
    let name: PodName;
    try {
      name = await pods.run(component, {
        metadata: config?.metadata ?? null,
        labels: config?.labels ?? {},
        annotations: config?.annotations ?? {},
        logDirectory: config?.log_directory ?? "",
      });
    } catch (error) {
      return failed(internal(`Failed to allocate pod IP: ${messageOf(error)}`, error), component);
    }
    return answer(codec.RunPodSandboxResponse.encode({ pod_sandbox_id: podSandboxId(name) }));
  });

  runtime(
    "StopPodSandbox",
    bySandbox("StopPodSandbox", async (pod) => {
      await pods.stopSandbox(pod);
      return empty;
    }),
  );
  runtime(
    "RemovePodSandbox",
    bySandbox(
      "RemovePodSandbox",
      async (pod) => {
        await pods.removeSandbox(pod);
        logs.close(formatPodName(pod));
        return empty;
      },
      (id) => ids.delete(id),
    ),
  );
  runtime(
    "PodSandboxStatus",
    bySandbox("PodSandboxStatus", async (pod) => {
      const found = pods.get(pod) ?? notFound(pod);
      return answer(
        codec.PodSandboxStatusResponse.encode({
          status: podSandboxStatus(found),
          info: {},
          containers_statuses: hasContainer(found) ? [containerStatus(found)] : [],
          timestamp: nowNs(),
        }),
      );
    }),
  );

  runtime("CreateContainer", async (bytes, call) => {
    const request = codec.CreateContainerRequest.decode(bytes);
    const tooLarge = metadataSizeProblem("container", request.config ?? {});
    if (tooLarge !== undefined) {
      return failed(new CriStatusError(grpc.status.INVALID_ARGUMENT, tooLarge));
    }
    if (ids.owns(request.pod_sandbox_id)) {
      const reply = await kit.forward("CreateContainer", bytes, call);
      ids.add(codec.CreateContainerResponse.decode(reply.bytes).container_id);
      return reply;
    }
    const pod = named(sandboxIds, request.pod_sandbox_id);
    const config = request.config;
    if (Object.keys(config?.image?.annotations ?? {}).length > 0) {
      return failed(internal("Image spec annotations are unsupported"), pod);
    }
    try {
      await pods.createContainer(pod, {
        metadata: config?.metadata ?? null,
        labels: config?.labels ?? {},
        annotations: config?.annotations ?? {},
        // Later duplicates win, as the original's map.
        env: new Map((config?.envs ?? []).map(({ key, value }) => [key, utf8.decode(value)])),
        image: config?.image ?? null,
        logPath: config?.log_path ?? "",
        ...cpuLimitOf(config?.linux?.resources),
      });
    } catch (error) {
      return failed(error, pod);
    }
    // A recreated container may log elsewhere: the next line looks the path up again.
    logs.close(formatPodName(pod));
    return answer(codec.CreateContainerResponse.encode({ container_id: containerId(pod) }));
  });

  runtime(
    "StartContainer",
    byContainer("StartContainer", async (pod) => {
      await pods.startContainer(pod);
      return empty;
    }),
  );
  runtime(
    "StopContainer",
    byContainer("StopContainer", async (pod, bytes) => {
      await pods.stopContainer(pod, Number(codec.StopContainerRequest.decode(bytes).timeout));
      return empty;
    }),
  );
  runtime(
    "RemoveContainer",
    byContainer(
      "RemoveContainer",
      async (pod) => {
        await pods.removeContainer(pod);
        logs.close(formatPodName(pod));
        return empty;
      },
      (id) => ids.delete(id),
    ),
  );
  runtime(
    "ContainerStatus",
    byContainer("ContainerStatus", async (pod) => {
      const found = pods.get(pod);
      if (found === undefined || !hasContainer(found)) notFound(pod);
      return answer(
        codec.ContainerStatusResponse.encode({ status: containerStatus(found), info: {} }),
      );
    }),
  );
  runtime(
    "ReopenContainerLog",
    byContainer("ReopenContainerLog", async (pod) => {
      const found = pods.get(pod);
      if (found === undefined || !hasContainer(found)) notFound(pod);
      try {
        logs.reopen(formatPodName(pod));
      } catch (error) {
        throw internal(`Failed to reopen the container log: ${messageOf(error)}`, error);
      }
      return empty;
    }),
  );

  runtime("ListPodSandbox", async (bytes, call) => {
    const reply = await kit.forward("ListPodSandbox", bytes, call);
    const filter = codec.ListPodSandboxRequest.decode(bytes).filter;
    const items = listedPodSandboxes(pods.list(), filter, idMatches(sandboxIds, filter?.id));
    return appended(reply, codec.ListPodSandboxResponse.encode({ items }));
  });
  runtime("ListContainers", async (bytes, call) => {
    const reply = await kit.forward("ListContainers", bytes, call);
    const filter = codec.ListContainersRequest.decode(bytes).filter;
    const byId = idMatches(containerIds, filter?.id);
    const bySandbox = idMatches(sandboxIds, filter?.pod_sandbox_id);
    const containers = listedContainers(pods.list(), filter, (pod) => byId(pod) && bySandbox(pod));
    return appended(reply, codec.ListContainersResponse.encode({ containers }));
  });

  runtime("Status", async (bytes, call) => {
    const reply = await kit.forward("Status", bytes, call);
    if (options.ready()) return reply;
    const status = codec.StatusResponse.decode(reply.bytes);
    const conditions = (status.status?.conditions ?? []).map((condition) =>
      condition.type === "RuntimeReady"
        ? {
            ...condition,
            status: false,
            reason: "VimanadNotReady",
            message: "vimanad is shutting down",
          }
        : condition,
    );
    return {
      bytes: answer(codec.StatusResponse.encode({ ...status, status: { conditions } })).bytes,
      trailers: reply.trailers,
    };
  });

  for (const name of unsupportedByContainer) runtime(name, byContainer(name, unsupported(name)));
  for (const name of unsupportedBySandbox) runtime(name, bySandbox(name, unsupported(name)));

  registerImageHandlers(kit);
  registerStatsHandlers(kit);

  const learnDownstream = async (deadline: grpc.Deadline) => {
    const [sandboxes, containers] = await Promise.all([
      downstream.unary(
        "/runtime.v1.RuntimeService/ListPodSandbox",
        Buffer.alloc(0),
        undefined,
        deadline,
      ),
      downstream.unary(
        "/runtime.v1.RuntimeService/ListContainers",
        Buffer.alloc(0),
        undefined,
        deadline,
      ),
    ]);
    for (const item of codec.ListPodSandboxResponse.decode(sandboxes.bytes).items) ids.add(item.id);
    for (const item of codec.ListContainersResponse.decode(containers.bytes).containers) {
      ids.add(item.id);
    }
  };
  return { handlers, learnDownstream };
}

/** The container's CPU limit in cores (quota ÷ period), when kubelet sends one. */
function cpuLimitOf(resources: { cpu_period: bigint; cpu_quota: bigint } | null | undefined): {
  cpuCores?: number;
} {
  if (!resources || resources.cpu_quota <= 0n || resources.cpu_period <= 0n) return {};
  return { cpuCores: Number(resources.cpu_quota) / Number(resources.cpu_period) };
}
