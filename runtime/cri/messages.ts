// TypeScript shapes of the messages in api.proto that vimanad reads or writes, with the field
// names of the protocol. Decoded messages have every proto3 default filled in: "" for strings,
// 0 for numbers and enums, [] for repeated fields, {} for maps, null for an absent message
// field, bigint for 64-bit integers. Only the fields vimanad uses are listed; decoding keeps
// the others too, and requests may leave out any field (see `Input`).

/** What encoding accepts: any field may be left out, at any depth. */
export type Input<T> = T extends bigint | string | number | boolean
  ? T
  : T extends readonly (infer E)[]
    ? readonly Input<E>[]
    : T extends object
      ? { [K in keyof T]?: Input<T[K]> | null }
      : T;

export type StringMap = Record<string, string>;

export const PodSandboxState = { SANDBOX_READY: 0, SANDBOX_NOTREADY: 1 } as const;
export const ContainerState = {
  CONTAINER_CREATED: 0,
  CONTAINER_RUNNING: 1,
  CONTAINER_EXITED: 2,
  CONTAINER_UNKNOWN: 3,
} as const;
export const SIGNAL_SIGTERM = 23;
export const Protocol = { TCP: 0, UDP: 1, SCTP: 2 } as const;

export interface VersionRequest {
  version: string;
}

export interface VersionResponse {
  version: string;
  runtime_name: string;
  runtime_version: string;
  runtime_api_version: string;
}

/** An environment variable; the protocol made `value` bytes (same wire form as a string). */
export interface KeyValue {
  key: string;
  value: Uint8Array;
}

export interface PodSandboxMetadata {
  name: string;
  uid: string;
  namespace: string;
  attempt: number;
}

export interface ContainerMetadata {
  name: string;
  attempt: number;
}

export interface ImageSpec {
  image: string;
  annotations: StringMap;
  user_specified_image: string;
  runtime_handler: string;
  image_ref: string;
}

export interface PortMapping {
  protocol: number;
  container_port: number;
  host_port: number;
  host_ip: string;
}

export interface PodSandboxConfig {
  metadata: PodSandboxMetadata | null;
  hostname: string;
  log_directory: string;
  port_mappings: PortMapping[];
  labels: StringMap;
  annotations: StringMap;
}

export interface RunPodSandboxRequest {
  config: PodSandboxConfig | null;
  runtime_handler: string;
}

export interface RunPodSandboxResponse {
  pod_sandbox_id: string;
}

export interface PodSandboxIdRequest {
  pod_sandbox_id: string;
}

export interface ContainerIdRequest {
  container_id: string;
}

export type Empty = Record<string, never>;

export interface PodSandboxStatusRequest {
  pod_sandbox_id: string;
  verbose: boolean;
}

export interface PodSandboxNetworkStatus {
  ip: string;
  additional_ips: { ip: string }[];
}

export interface PodSandboxStatus {
  id: string;
  metadata: PodSandboxMetadata | null;
  state: number;
  created_at: bigint;
  network: PodSandboxNetworkStatus | null;
  labels: StringMap;
  annotations: StringMap;
  runtime_handler: string;
}

export interface PodSandboxStatusResponse {
  status: PodSandboxStatus | null;
  info: StringMap;
  containers_statuses: ContainerStatus[];
  timestamp: bigint;
}

export interface PodSandboxFilter {
  id: string;
  state: { state: number } | null;
  label_selector: StringMap;
}

export interface ListPodSandboxRequest {
  filter: PodSandboxFilter | null;
}

export interface PodSandbox {
  id: string;
  metadata: PodSandboxMetadata | null;
  state: number;
  created_at: bigint;
  labels: StringMap;
  annotations: StringMap;
  runtime_handler: string;
}

export interface ListPodSandboxResponse {
  items: PodSandbox[];
}

export interface ContainerConfig {
  metadata: ContainerMetadata | null;
  image: ImageSpec | null;
  envs: KeyValue[];
  labels: StringMap;
  annotations: StringMap;
  log_path: string;
  /** Only the CPU limit is read: it sets the pod's share of the workers. */
  linux?: { resources: { cpu_period: bigint; cpu_quota: bigint } | null } | null;
}

export interface CreateContainerRequest {
  pod_sandbox_id: string;
  config: ContainerConfig | null;
  sandbox_config: PodSandboxConfig | null;
}

export interface CreateContainerResponse {
  container_id: string;
}

export interface StopContainerRequest {
  container_id: string;
  timeout: bigint;
}

export interface ContainerFilter {
  id: string;
  state: { state: number } | null;
  pod_sandbox_id: string;
  label_selector: StringMap;
}

export interface ListContainersRequest {
  filter: ContainerFilter | null;
}

export interface Container {
  id: string;
  pod_sandbox_id: string;
  metadata: ContainerMetadata | null;
  image: ImageSpec | null;
  image_ref: string;
  state: number;
  created_at: bigint;
  labels: StringMap;
  annotations: StringMap;
  image_id: string;
}

export interface ListContainersResponse {
  containers: Container[];
}

export interface ContainerStatusRequest {
  container_id: string;
  verbose: boolean;
}

export interface ContainerStatus {
  id: string;
  metadata: ContainerMetadata | null;
  state: number;
  created_at: bigint;
  started_at: bigint;
  finished_at: bigint;
  exit_code: number;
  image: ImageSpec | null;
  image_ref: string;
  reason: string;
  message: string;
  labels: StringMap;
  annotations: StringMap;
  mounts: unknown[];
  log_path: string;
  resources: unknown;
  image_id: string;
  user: unknown;
  stop_signal: number;
}

export interface ContainerStatusResponse {
  status: ContainerStatus | null;
  info: StringMap;
}

export interface StatusRequest {
  verbose: boolean;
}

export interface RuntimeCondition {
  type: string;
  status: boolean;
  reason: string;
  message: string;
}

export interface StatusResponse {
  status: { conditions: RuntimeCondition[] } | null;
  info: StringMap;
}

export interface ImageStatusRequest {
  image: ImageSpec | null;
  verbose: boolean;
}

export interface Image {
  id: string;
  repo_tags: string[];
  repo_digests: string[];
  size: bigint;
  uid: { value: bigint } | null;
  username: string;
  spec: ImageSpec | null;
  pinned: boolean;
}

export interface ImageStatusResponse {
  image: Image | null;
  info: StringMap;
}

export interface ListImagesRequest {
  filter: { image: ImageSpec | null } | null;
}

export interface ListImagesResponse {
  images: Image[];
}

export interface PullImageRequest {
  image: ImageSpec | null;
  sandbox_config: PodSandboxConfig | null;
}

export interface PullImageResponse {
  image_ref: string;
}

export interface RemoveImageRequest {
  image: ImageSpec | null;
}

export interface FilesystemUsage {
  timestamp: bigint;
  fs_id: { mountpoint: string } | null;
  used_bytes: { value: bigint } | null;
  inodes_used: { value: bigint } | null;
}

export interface ImageFsInfoResponse {
  image_filesystems: FilesystemUsage[];
  container_filesystems: FilesystemUsage[];
}

export interface RuntimeConfigResponse {
  linux: { cgroup_driver: number } | null;
}

export interface UInt64Value {
  value: bigint;
}

export interface CpuUsage {
  timestamp: bigint;
  usage_core_nano_seconds: UInt64Value | null;
}

export interface MemoryUsage {
  timestamp: bigint;
  working_set_bytes: UInt64Value | null;
  usage_bytes: UInt64Value | null;
  rss_bytes: UInt64Value | null;
  page_faults: UInt64Value | null;
  major_page_faults: UInt64Value | null;
}

export interface ContainerAttributes {
  id: string;
  metadata: ContainerMetadata | null;
  labels: StringMap;
  annotations: StringMap;
}

export interface ContainerStats {
  attributes: ContainerAttributes | null;
  cpu: CpuUsage | null;
  memory: MemoryUsage | null;
  writable_layer: FilesystemUsage | null;
}

export interface ContainerStatsRequest {
  container_id: string;
}

export interface ContainerStatsResponse {
  stats: ContainerStats | null;
}

export interface ContainerStatsFilter {
  id: string;
  pod_sandbox_id: string;
  label_selector: StringMap;
}

export interface ListContainerStatsRequest {
  filter: ContainerStatsFilter | null;
}

export interface ListContainerStatsResponse {
  stats: ContainerStats[];
}

export interface PodSandboxAttributes {
  id: string;
  metadata: PodSandboxMetadata | null;
  labels: StringMap;
  annotations: StringMap;
}

export interface LinuxPodSandboxStats {
  cpu: CpuUsage | null;
  memory: MemoryUsage | null;
  process: { timestamp: bigint; process_count: UInt64Value | null } | null;
  containers: ContainerStats[];
}

export interface PodSandboxStats {
  attributes: PodSandboxAttributes | null;
  linux: LinuxPodSandboxStats | null;
}

export interface PodSandboxStatsRequest {
  pod_sandbox_id: string;
}

export interface PodSandboxStatsResponse {
  stats: PodSandboxStats | null;
}

export interface PodSandboxStatsFilter {
  id: string;
  label_selector: StringMap;
}

export interface ListPodSandboxStatsRequest {
  filter: PodSandboxStatsFilter | null;
}

export interface ListPodSandboxStatsResponse {
  stats: PodSandboxStats[];
}
