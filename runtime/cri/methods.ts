import { type CriMethod, criMethod } from "./codec.ts";
import type * as m from "./messages.ts";

type Rpc<Request extends object, Response extends object> = CriMethod<m.Input<Request>, Response>;

function runtime<Request extends object, Response extends object>(
  name: string,
): Rpc<Request, Response> {
  return criMethod<m.Input<Request> & object, Response>("RuntimeService", name);
}

function image<Request extends object, Response extends object>(
  name: string,
): Rpc<Request, Response> {
  return criMethod<m.Input<Request> & object, Response>("ImageService", name);
}

/**
 * The CRI methods a client (kubelet's side, and the tests) calls with typed messages. To add
 * one: write the shapes of its messages in messages.ts and add a row here (every rpc is already
 * declared in api.proto).
 */
export const criMethods = {
  Version: runtime<m.VersionRequest, m.VersionResponse>("Version"),
  RunPodSandbox: runtime<m.RunPodSandboxRequest, m.RunPodSandboxResponse>("RunPodSandbox"),
  StopPodSandbox: runtime<m.PodSandboxIdRequest, m.Empty>("StopPodSandbox"),
  RemovePodSandbox: runtime<m.PodSandboxIdRequest, m.Empty>("RemovePodSandbox"),
  PodSandboxStatus: runtime<m.PodSandboxStatusRequest, m.PodSandboxStatusResponse>(
    "PodSandboxStatus",
  ),
  ListPodSandbox: runtime<m.ListPodSandboxRequest, m.ListPodSandboxResponse>("ListPodSandbox"),
  CreateContainer: runtime<m.CreateContainerRequest, m.CreateContainerResponse>("CreateContainer"),
  StartContainer: runtime<m.ContainerIdRequest, m.Empty>("StartContainer"),
  StopContainer: runtime<m.StopContainerRequest, m.Empty>("StopContainer"),
  RemoveContainer: runtime<m.ContainerIdRequest, m.Empty>("RemoveContainer"),
  ListContainers: runtime<m.ListContainersRequest, m.ListContainersResponse>("ListContainers"),
  ContainerStatus: runtime<m.ContainerStatusRequest, m.ContainerStatusResponse>("ContainerStatus"),
  ExecSync: runtime<m.ContainerIdRequest, m.Empty>("ExecSync"),
  PortForward: runtime<m.PodSandboxIdRequest, m.Empty>("PortForward"),
  Status: runtime<m.StatusRequest, m.StatusResponse>("Status"),
  RuntimeConfig: runtime<m.Empty, m.RuntimeConfigResponse>("RuntimeConfig"),
  ReopenContainerLog: runtime<m.ContainerIdRequest, m.Empty>("ReopenContainerLog"),
  ContainerStats: runtime<m.ContainerStatsRequest, m.ContainerStatsResponse>("ContainerStats"),
  ListContainerStats: runtime<m.ListContainerStatsRequest, m.ListContainerStatsResponse>(
    "ListContainerStats",
  ),
  PodSandboxStats: runtime<m.PodSandboxStatsRequest, m.PodSandboxStatsResponse>("PodSandboxStats"),
  ListPodSandboxStats: runtime<m.ListPodSandboxStatsRequest, m.ListPodSandboxStatsResponse>(
    "ListPodSandboxStats",
  ),
  ListImages: image<m.ListImagesRequest, m.ListImagesResponse>("ListImages"),
  ImageStatus: image<m.ImageStatusRequest, m.ImageStatusResponse>("ImageStatus"),
  PullImage: image<m.PullImageRequest, m.PullImageResponse>("PullImage"),
  RemoveImage: image<m.RemoveImageRequest, m.Empty>("RemoveImage"),
  ImageFsInfo: image<Record<string, never>, m.ImageFsInfoResponse>("ImageFsInfo"),
};
