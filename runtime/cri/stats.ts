// Stats of Vimana pods (ContainerStats, PodSandboxStats and their List forms), merged with the
// downstream runtime's lists. Memory is the linear memory of the pod's instances (what it costs
// the node); CPU is the time spent running its code, cumulative — kubelet derives usage_nano_cores
// from two samples. A pod has one container, so the pod's figures are its container's.
import * as grpc from "@grpc/grpc-js";
import {
  containerId,
  parseContainerId,
  parsePodSandboxId,
  podSandboxId,
} from "../../src/names/index.ts";
import { nowNs, type PodView } from "../pods/index.ts";
import { criMessage } from "./codec.ts";
import { CriStatusError } from "./errors.ts";
import { answer, appended, type HandlerKit, idMatches, matchesLabels, notFound } from "./kit.ts";
import type * as m from "./messages.ts";
import { hasContainer } from "./payloads.ts";

const codec = {
  ContainerStatsResponse: criMessage<m.ContainerStatsResponse>("ContainerStatsResponse"),
  ListContainerStatsRequest: criMessage<m.ListContainerStatsRequest>("ListContainerStatsRequest"),
  ListContainerStatsResponse: criMessage<m.ListContainerStatsResponse>(
    "ListContainerStatsResponse",
  ),
  PodSandboxStatsResponse: criMessage<m.PodSandboxStatsResponse>("PodSandboxStatsResponse"),
  ListPodSandboxStatsRequest: criMessage<m.ListPodSandboxStatsRequest>(
    "ListPodSandboxStatsRequest",
  ),
  ListPodSandboxStatsResponse: criMessage<m.ListPodSandboxStatsResponse>(
    "ListPodSandboxStatsResponse",
  ),
};

const value = (n: number | bigint): m.UInt64Value => ({ value: BigInt(n) });

function usageOf(pod: PodView, timestamp: bigint): { cpu: m.CpuUsage; memory: m.MemoryUsage } {
  const usage = pod.container?.usage?.() ?? { memoryBytes: 0, cpuNanos: 0n };
  const memory = value(usage.memoryBytes);
  return {
    cpu: { timestamp, usage_core_nano_seconds: value(usage.cpuNanos) },
    // No page cache and no swap: what the instances hold is both working set and RSS.
    memory: {
      timestamp,
      working_set_bytes: memory,
      usage_bytes: memory,
      rss_bytes: memory,
      page_faults: value(0),
      major_page_faults: value(0),
    },
  };
}

export function containerStats(pod: PodView, imageRoot: string): m.ContainerStats {
  const timestamp = nowNs();
  const spec = pod.container?.spec;
  return {
    attributes: {
      id: containerId(pod.name),
      metadata: spec?.metadata ?? null,
      labels: { ...spec?.labels },
      annotations: { ...spec?.annotations },
    },
    ...usageOf(pod, timestamp),
    // A component writes no files: its writable layer is empty, on the image store's disk.
    writable_layer: {
      timestamp,
      fs_id: { mountpoint: imageRoot },
      used_bytes: value(0),
      inodes_used: value(0),
    },
  };
}

export function podSandboxStats(pod: PodView, imageRoot: string): m.PodSandboxStats {
  const timestamp = nowNs();
  return {
    attributes: {
      id: podSandboxId(pod.name),
      metadata: pod.sandbox.metadata as m.PodSandboxMetadata | null,
      labels: { ...pod.sandbox.labels },
      annotations: { ...pod.sandbox.annotations },
    },
    linux: {
      ...usageOf(pod, timestamp),
      // Instances run on vimanad's thread: a pod has no processes of its own.
      process: { timestamp, process_count: value(0) },
      containers: hasContainer(pod) ? [containerStats(pod, imageRoot)] : [],
    },
  };
}

export function registerStatsHandlers(kit: HandlerKit): void {
  const { pods, images } = kit.options;

  kit.runtime(
    "ContainerStats",
    kit.byContainer("ContainerStats", async (name) => {
      const pod = pods.get(name);
      if (pod === undefined || !hasContainer(pod)) notFound(name);
      return answer(
        codec.ContainerStatsResponse.encode({ stats: containerStats(pod, images.root) }),
      );
    }),
  );

  kit.runtime("ListContainerStats", async (bytes, call) => {
    const reply = await kit.forward("ListContainerStats", bytes, call);
    const filter = codec.ListContainerStatsRequest.decode(bytes).filter;
    const byId = idMatches({ parse: parseContainerId, format: containerId }, filter?.id);
    const bySandbox = idMatches(
      { parse: parsePodSandboxId, format: podSandboxId },
      filter?.pod_sandbox_id,
    );
    const stats = pods
      .list()
      .filter(
        (pod) =>
          hasContainer(pod) &&
          byId(pod) &&
          bySandbox(pod) &&
          matchesLabels(pod.container?.spec.labels ?? {}, filter?.label_selector ?? {}),
      )
      .map((pod) => containerStats(pod, images.root));
    return appended(reply, codec.ListContainerStatsResponse.encode({ stats }));
  });

  kit.runtime(
    "PodSandboxStats",
    kit.bySandbox("PodSandboxStats", async (name) => {
      const pod = pods.get(name) ?? notFound(name);
      if (pod.state === "Killed") {
        throw new CriStatusError(
          grpc.status.NOT_FOUND,
          `pod sandbox ${podSandboxId(name)} is not ready`,
        );
      }
      return answer(
        codec.PodSandboxStatsResponse.encode({ stats: podSandboxStats(pod, images.root) }),
      );
    }),
  );

  kit.runtime("ListPodSandboxStats", async (bytes, call) => {
    const reply = await kit.forward("ListPodSandboxStats", bytes, call);
    const filter = codec.ListPodSandboxStatsRequest.decode(bytes).filter;
    const byId = idMatches({ parse: parsePodSandboxId, format: podSandboxId }, filter?.id);
    // Like containerd: stats of ready sandboxes only.
    const stats = pods
      .list()
      .filter(
        (pod) =>
          pod.state !== "Killed" &&
          byId(pod) &&
          matchesLabels(pod.sandbox.labels, filter?.label_selector ?? {}),
      )
      .map((pod) => podSandboxStats(pod, images.root));
    return appended(reply, codec.ListPodSandboxStatsResponse.encode({ stats }));
  });
}
