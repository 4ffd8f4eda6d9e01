// Status and list payloads for Vimana pods (ref §1.7, §1.8), with real values where the original
// wrote "TODO": image_id is the image's ID (as ImageStatus and ListImages report it), image_ref
// its repository digest (`<registry>/<domain>/<server>@sha256:…`), log_path the file kubelet
// gave; finished_at, exit_code and reason come from the stop.
import { containerId, podSandboxId, RUNTIME_HANDLER } from "../../src/names/index.ts";
import { containerLogPath } from "../logs/index.ts";
import type { PodState, PodView } from "../pods/index.ts";
import { imageId, pulledAs, repoDigest, repoTag } from "./image-names.ts";
import {
  type Container,
  type ContainerFilter,
  ContainerState,
  type ContainerStatus,
  type ImageSpec,
  type PodSandbox,
  type PodSandboxFilter,
  PodSandboxState,
  type PodSandboxStatus,
  SIGNAL_SIGTERM,
  type StringMap,
} from "./messages.ts";

const containerStates: Record<PodState, number> = {
  Initiated: ContainerState.CONTAINER_UNKNOWN,
  Created: ContainerState.CONTAINER_CREATED,
  Starting: ContainerState.CONTAINER_CREATED,
  Running: ContainerState.CONTAINER_RUNNING,
  Stopped: ContainerState.CONTAINER_EXITED,
  Removed: ContainerState.CONTAINER_UNKNOWN,
  Killed: ContainerState.CONTAINER_UNKNOWN,
};

/** Pod states a container-state filter selects (ref §1.7); EXITED includes Removed and Killed. */
const filterStates: Record<number, readonly PodState[]> = {
  [ContainerState.CONTAINER_CREATED]: ["Created", "Starting"],
  [ContainerState.CONTAINER_RUNNING]: ["Running"],
  [ContainerState.CONTAINER_EXITED]: ["Stopped", "Removed", "Killed"],
  [ContainerState.CONTAINER_UNKNOWN]: [],
};
/** A container exists (for status and unfiltered lists) in these states. */
const withContainer: readonly PodState[] = ["Created", "Starting", "Running", "Stopped"];

function sandboxState(pod: PodView): number {
  return pod.state === "Killed" ? PodSandboxState.SANDBOX_NOTREADY : PodSandboxState.SANDBOX_READY;
}

export function hasContainer(pod: PodView): boolean {
  return withContainer.includes(pod.state);
}

export function podSandboxStatus(pod: PodView): PodSandboxStatus {
  return {
    id: podSandboxId(pod.name),
    metadata: pod.sandbox.metadata as PodSandboxStatus["metadata"],
    state: sandboxState(pod),
    created_at: pod.createdAt,
    network: { ip: pod.address, additional_ips: [] },
    labels: { ...pod.sandbox.labels },
    annotations: { ...pod.sandbox.annotations },
    runtime_handler: RUNTIME_HANDLER,
  };
}

/**
 * The container's image as kubelet and crictl show it: the reference it was pulled as (kubelet
 * passes the image ID in `image` and the pod spec's text in `user_specified_image`), the ID,
 * and the repository digest once the component is loaded (the ID until then: never empty, or
 * kubelet rejects the status).
 */
function containerImage(pod: PodView): Pick<ContainerStatus, "image" | "image_ref" | "image_id"> {
  const spec = (pod.container?.spec.image ?? null) as ImageSpec | null;
  const name = { component: pod.name, ...pulledAs([spec?.user_specified_image, spec?.image]) };
  const id = imageId(pod.name);
  const digest = pod.container?.imageDigest;
  return {
    image: spec === null ? null : { ...spec, image: repoTag(name) ?? spec.image },
    image_ref: digest === undefined ? id : repoDigest(name, digest),
    image_id: id,
  };
}

export function containerStatus(pod: PodView): ContainerStatus {
  const container = pod.container;
  const exit = container?.exit;
  const image = containerImage(pod);
  return {
    id: containerId(pod.name),
    metadata: container?.spec.metadata ?? null,
    state: containerStates[pod.state],
    created_at: container?.createdAt ?? 0n,
    started_at: container?.startedAt ?? 0n,
    finished_at: exit?.finishedAt ?? 0n,
    exit_code: exit?.exitCode ?? 0,
    image: image.image,
    image_ref: image.image_ref,
    reason: exit?.reason ?? "",
    message: exit?.message ?? "",
    labels: { ...container?.spec.labels },
    annotations: { ...container?.spec.annotations },
    mounts: [],
    log_path: containerLogPath(pod.sandbox.logDirectory, container?.spec.logPath),
    resources: null,
    image_id: image.image_id,
    user: null,
    stop_signal: SIGNAL_SIGTERM,
  };
}

function matchesLabels(labels: Readonly<StringMap>, selector: StringMap): boolean {
  return Object.entries(selector).every(([key, value]) => labels[key] === value);
}

/** ListPodSandbox's Vimana items. `id` is the filter's ID already parsed (undefined: none). */
export function listedPodSandboxes(
  pods: readonly PodView[],
  filter: PodSandboxFilter | null,
  matchesId: (pod: PodView) => boolean,
): PodSandbox[] {
  return pods
    .filter(
      (pod) =>
        matchesId(pod) &&
        (filter?.state == null || filter.state.state === sandboxState(pod)) &&
        matchesLabels(pod.sandbox.labels, filter?.label_selector ?? {}),
    )
    .map((pod) => ({
      id: podSandboxId(pod.name),
      metadata: pod.sandbox.metadata as PodSandbox["metadata"],
      state: sandboxState(pod),
      created_at: pod.createdAt,
      labels: { ...pod.sandbox.labels },
      annotations: { ...pod.sandbox.annotations },
      runtime_handler: RUNTIME_HANDLER,
    }));
}

/** ListContainers' Vimana items; `matches` applies the filter's ID and pod_sandbox_id. */
export function listedContainers(
  pods: readonly PodView[],
  filter: ContainerFilter | null,
  matches: (pod: PodView) => boolean,
): Container[] {
  const states = filter?.state == null ? withContainer : (filterStates[filter.state.state] ?? []);
  return pods
    .filter(
      (pod) =>
        states.includes(pod.state) &&
        matches(pod) &&
        matchesLabels(pod.container?.spec.labels ?? {}, filter?.label_selector ?? {}),
    )
    .map((pod) => {
      const status = containerStatus(pod);
      return {
        id: status.id,
        pod_sandbox_id: podSandboxId(pod.name),
        metadata: status.metadata,
        image: status.image,
        image_ref: status.image_ref,
        state: status.state,
        created_at: status.created_at,
        labels: status.labels,
        annotations: status.annotations,
        image_id: status.image_id,
      };
    });
}
