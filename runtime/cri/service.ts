// What vimanad answers to each CRI call: Vimana pods and images locally, everything else by
// forwarding the raw bytes downstream (ref §1.3–§1.8, §3.4).
import * as grpc from "@grpc/grpc-js";
import {
  type ComponentName,
  componentNameFromLabels,
  containerId,
  formatComponentName,
  formatPodName,
  type PodName,
  parseContainerId,
  parseImageReference,
  parsePodSandboxId,
  podSandboxId,
  RUNTIME_HANDLER,
} from "../../src/names/index.ts";
import type { ImageStore } from "../images/index.ts";
import { type Logger, podFields } from "../log/index.ts";
import { messageOf, nowNs, type Pods, type PodView } from "../pods/index.ts";
import { criMessage } from "./codec.ts";
import type { Downstream, RawAnswer } from "./downstream.ts";
import { CriStatusError, internal } from "./errors.ts";
import type * as m from "./messages.ts";
import {
  containerStatus,
  hasContainer,
  listedContainers,
  listedPodSandboxes,
  podSandboxStatus,
} from "./payloads.ts";
import { DownstreamIds } from "./routing.ts";

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
  ImageSpec: criMessage<m.ImageSpec>("ImageSpec"),
  ImageStatusRequest: criMessage<m.ImageStatusRequest>("ImageStatusRequest"),
  ImageStatusResponse: criMessage<m.ImageStatusResponse>("ImageStatusResponse"),
  PullImageRequest: criMessage<m.PullImageRequest>("PullImageRequest"),
  PullImageResponse: criMessage<m.PullImageResponse>("PullImageResponse"),
  RemoveImageRequest: criMessage<m.RemoveImageRequest>("RemoveImageRequest"),
  ImageFsInfoResponse: criMessage<m.ImageFsInfoResponse>("ImageFsInfoResponse"),
};

/** Per-object rpcs a Wasm pod has no use for: routed by ID, UNIMPLEMENTED for Vimana IDs. */
const unsupportedByContainer = [
  "UpdateContainerResources",
  "ReopenContainerLog",
  "ExecSync",
  "Exec",
  "Attach",
  "ContainerStats",
  "CheckpointContainer",
];
const unsupportedBySandbox = [
  "PortForward",
  "PodSandboxStats",
  "UpdatePodSandboxResources",
  "CheckpointPod",
];

function answer(bytes: Uint8Array): RawAnswer {
  return {
    bytes: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength),
    trailers: new grpc.Metadata(),
  };
}

/** Builds the handler of every unary rpc vimanad does not simply forward. */
export function criHandlers(options: CriServiceOptions): {
  handlers: Map<string, UnaryHandler>;
  /** Reads downstream's pods and containers, so their IDs route there (ref §1.2 step 9). */
  learnDownstream(deadline: grpc.Deadline): Promise<void>;
} {
  const { downstream, pods, images, log } = options;
  const ids = new DownstreamIds();
  const handlers = new Map<string, UnaryHandler>();
  const runtime = (name: string, handler: UnaryHandler) =>
    handlers.set(`/runtime.v1.RuntimeService/${name}`, handler);
  const image = (name: string, handler: UnaryHandler) =>
    handlers.set(`/runtime.v1.ImageService/${name}`, handler);
  const forward = (name: string, request: Buffer, call: CallContext, service = "RuntimeService") =>
    downstream.unary(`/runtime.v1.${service}/${name}`, request, call.metadata, call.deadline);

  /** Logs a Vimana-path failure with whatever names it (ref §1.9), and passes it on. */
  const failed = (error: unknown, pod?: PodName | ComponentName): never => {
    const fields =
      pod === undefined
        ? {}
        : "id" in pod
          ? podFields(pod as PodName)
          : {
              component: formatComponentName(pod),
            };
    log.error(messageOf(error), fields);
    throw error;
  };

  const sandboxName = (id: string): PodName => {
    try {
      return parsePodSandboxId(id);
    } catch (error) {
      return failed(internal(messageOf(error), error));
    }
  };
  const containerName = (id: string): PodName => {
    try {
      return parseContainerId(id);
    } catch (error) {
      return failed(internal(messageOf(error), error));
    }
  };

  runtime("Version", async () =>
    answer(
      codec.VersionResponse.encode({
        version: "0.1.0",
        runtime_name: "vimana",
        runtime_version: "0.0.0",
        runtime_api_version: "v1",
      }),
    ),
  );

  runtime("RunPodSandbox", async (bytes, call) => {
    const request = codec.RunPodSandboxRequest.decode(bytes);
    if (request.runtime_handler !== RUNTIME_HANDLER) {
      const reply = await forward("RunPodSandbox", bytes, call);
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
    if ((config?.port_mappings.length ?? 0) > 0) {
      return failed(internal("gRPC port mappings are unsupported"), component);
    }
    let name: PodName;
    try {
      name = await pods.run(component, {
        metadata: config?.metadata ?? null,
        labels: config?.labels ?? {},
        annotations: config?.annotations ?? {},
      });
    } catch (error) {
      return failed(internal(`Failed to allocate pod IP: ${messageOf(error)}`, error), component);
    }
    return answer(codec.RunPodSandboxResponse.encode({ pod_sandbox_id: podSandboxId(name) }));
  });

  /** A sandbox rpc: forwarded if downstream owns the ID, else `vimana` with the pod's name. */
  const bySandbox =
    (
      name: string,
      vimana: (pod: PodName, bytes: Buffer) => Promise<RawAnswer>,
      after?: (id: string) => void,
    ) =>
    async (bytes: Buffer, call: CallContext): Promise<RawAnswer> => {
      const id = codec.PodSandboxIdRequest.decode(bytes).pod_sandbox_id;
      if (ids.owns(id)) {
        const reply = await forward(name, bytes, call);
        after?.(id);
        return reply;
      }
      const pod = sandboxName(id);
      try {
        return await vimana(pod, bytes);
      } catch (error) {
        return failed(error, pod);
      }
    };
  const byContainer =
    (
      name: string,
      vimana: (pod: PodName, bytes: Buffer) => Promise<RawAnswer>,
      after?: (id: string) => void,
    ) =>
    async (bytes: Buffer, call: CallContext): Promise<RawAnswer> => {
      const id = codec.ContainerIdRequest.decode(bytes).container_id;
      if (ids.owns(id)) {
        const reply = await forward(name, bytes, call);
        after?.(id);
        return reply;
      }
      const pod = containerName(id);
      try {
        return await vimana(pod, bytes);
      } catch (error) {
        return failed(error, pod);
      }
    };
  const empty = answer(new Uint8Array());

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
    if (ids.owns(request.pod_sandbox_id)) {
      const reply = await forward("CreateContainer", bytes, call);
      ids.add(codec.CreateContainerResponse.decode(reply.bytes).container_id);
      return reply;
    }
    const pod = sandboxName(request.pod_sandbox_id);
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
      });
    } catch (error) {
      return failed(error, pod);
    }
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

  // Lists: downstream's answer byte for byte, then Vimana's items appended as more occurrences
  // of the repeated field: a protobuf parser reads the concatenation as one merged list.
  runtime("ListPodSandbox", async (bytes, call) => {
    const reply = await forward("ListPodSandbox", bytes, call);
    const filter = codec.ListPodSandboxRequest.decode(bytes).filter;
    const wanted = filter?.id ? parsedOrUndefined(parsePodSandboxId, filter.id) : undefined;
    const items = listedPodSandboxes(pods.list(), filter, (pod) =>
      filter?.id ? wanted !== undefined && samePod(pod, wanted) : true,
    );
    return appended(reply, codec.ListPodSandboxResponse.encode({ items }));
  });
  runtime("ListContainers", async (bytes, call) => {
    const reply = await forward("ListContainers", bytes, call);
    const filter = codec.ListContainersRequest.decode(bytes).filter;
    const wanted = filter?.id ? parsedOrUndefined(parseContainerId, filter.id) : undefined;
    const sandbox = filter?.pod_sandbox_id
      ? parsedOrUndefined(parsePodSandboxId, filter.pod_sandbox_id)
      : undefined;
    const containers = listedContainers(
      pods.list(),
      filter,
      (pod) =>
        (filter?.id ? wanted !== undefined && samePod(pod, wanted) : true) &&
        (filter?.pod_sandbox_id ? sandbox !== undefined && samePod(pod, sandbox) : true),
    );
    return appended(reply, codec.ListContainersResponse.encode({ containers }));
  });

  runtime("Status", async (bytes, call) => {
    const reply = await forward("Status", bytes, call);
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

  for (const name of unsupportedByContainer) {
    runtime(
      name,
      byContainer(name, async () => {
        throw new CriStatusError(
          grpc.status.UNIMPLEMENTED,
          `${name} is not supported for Vimana pods`,
        );
      }),
    );
  }
  for (const name of unsupportedBySandbox) {
    runtime(
      name,
      bySandbox(name, async () => {
        throw new CriStatusError(
          grpc.status.UNIMPLEMENTED,
          `${name} is not supported for Vimana pods`,
        );
      }),
    );
  }

  const isVimanaImage = (spec: m.ImageSpec | null) =>
    spec === null || spec.runtime_handler === RUNTIME_HANDLER;
  const imageReference = (spec: m.ImageSpec | null) => {
    try {
      return parseImageReference(spec?.image ?? "");
    } catch (error) {
      return failed(internal(messageOf(error), error));
    }
  };

  image("ImageStatus", async (bytes, call) => {
    const request = codec.ImageStatusRequest.decode(bytes);
    if (!isVimanaImage(request.image)) return forward("ImageStatus", bytes, call, "ImageService");
    const { component } = imageReference(request.image);
    const stored = await images
      .status(component)
      .catch((error: unknown) => failed(error, component));
    if (stored === undefined)
      return answer(codec.ImageStatusResponse.encode({ image: null, info: {} }));
    return answer(
      codec.ImageStatusResponse.encode({
        image: {
          id: formatComponentName(component),
          repo_tags: [],
          repo_digests: [],
          size: BigInt(stored.size),
          uid: null,
          username: "",
          spec: codec.ImageSpec.decode(stored.imageSpec),
          pinned: false,
        },
        info: {},
      }),
    );
  });

  image("PullImage", async (bytes, call) => {
    const request = codec.PullImageRequest.decode(bytes);
    if (!isVimanaImage(request.image)) return forward("PullImage", bytes, call, "ImageService");
    const reference = imageReference(request.image);
    const named = formatComponentName(reference.component);
    // Kubelet always sends the pod's config; a manual pull (crictl pull) may not.
    if (request.sandbox_config !== null) {
      let fromLabels: ComponentName;
      try {
        fromLabels = componentNameFromLabels(request.sandbox_config.labels);
      } catch (error) {
        return failed(
          internal(`Invalid pod labels: ${messageOf(error)}`, error),
          reference.component,
        );
      }
      if (formatComponentName(fromLabels) !== named) {
        return failed(
          internal(`Pod label mismatch: ${formatComponentName(fromLabels)} != ${named}`),
          reference.component,
        );
      }
    }
    log.info(`Fetching image from "${reference.registry}"`, { component: named });
    try {
      await images.pull(reference, codec.ImageSpec.encode(request.image ?? ({} as m.ImageSpec)));
    } catch (error) {
      const image = request.image?.image ?? "";
      return failed(
        internal(`Error pulling image: "${image}": ${messageOf(error)}`, error),
        reference.component,
      );
    }
    log.info("Successful image pull", { component: named });
    return answer(codec.PullImageResponse.encode({ image_ref: named }));
  });

  image("RemoveImage", async (bytes, call) => {
    const request = codec.RemoveImageRequest.decode(bytes);
    if (!isVimanaImage(request.image)) return forward("RemoveImage", bytes, call, "ImageService");
    const { component } = imageReference(request.image);
    try {
      await images.remove(component);
    } catch (error) {
      return failed(internal(`Error removing image: ${messageOf(error)}`, error), component);
    }
    return empty;
  });

  image("ImageFsInfo", async (bytes, call) => {
    const reply = await forward("ImageFsInfo", bytes, call, "ImageService");
    const usage = images.usage();
    // Prepended as a first occurrence of the repeated field: index 0, downstream's bytes intact.
    const ours = codec.ImageFsInfoResponse.encode({
      image_filesystems: [
        {
          timestamp: nowNs(),
          fs_id: { mountpoint: images.root },
          used_bytes: { value: BigInt(usage.bytes) },
          inodes_used: { value: BigInt(usage.inodes) },
        },
      ],
      container_filesystems: [],
    });
    return { bytes: Buffer.concat([ours, reply.bytes]), trailers: reply.trailers };
  });

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

function samePod(pod: PodView, name: PodName): boolean {
  return formatPodName(pod.name) === formatPodName(name);
}

function parsedOrUndefined(parse: (id: string) => PodName, id: string): PodName | undefined {
  try {
    return parse(id);
  } catch {
    return undefined;
  }
}

function notFound(pod: PodName): never {
  // The original's message is the bare pod name.
  throw new CriStatusError(grpc.status.NOT_FOUND, formatPodName(pod));
}

function appended(reply: RawAnswer, ours: Uint8Array): RawAnswer {
  return { bytes: Buffer.concat([reply.bytes, ours]), trailers: reply.trailers };
}
