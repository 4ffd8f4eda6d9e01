// Pod IP addresses: `loopback` (127.0.0.0/8, nothing to configure) for development and tests,
// and `host-local` (the CNI plugin plus an address on the node's interface) as the original.
export { HostLocalIpam, type HostLocalOptions } from "./host-local.ts";
export { type Ipam, IpamError, type PodAddress } from "./ipam.ts";
export { LoopbackIpam } from "./loopback.ts";
export type { CommandPrefix } from "./node-interface.ts";
