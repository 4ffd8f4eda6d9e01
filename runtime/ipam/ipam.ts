import { formatPodName, type PodName } from "../../src/names/index.ts";

/** A pod's IP address and the prefix length of the network it belongs to. */
export interface PodAddress {
  readonly address: string;
  readonly prefixLength: number;
}

/** Hands out pod IPs. One address per pod; a pod already holding one cannot get another. */
export interface Ipam {
  allocate(pod: PodName): Promise<PodAddress>;
  /** Frees the pod's address for reuse. Releasing a pod without one succeeds. */
  release(pod: PodName): Promise<void>;
  /**
   * After a restart: `address` is the pod's again (from its durable record), reserved and in
   * place as `allocate` left it, and never handed to another pod. Fails if another pod holds it.
   */
  adopt(pod: PodName, address: string): Promise<void>;
}

/** An allocation or release failed; `message` names the pod, then the original's reason. */
export class IpamError extends Error {
  override readonly name = "IpamError";

  constructor(
    readonly pod: PodName,
    action: "allocating" | "releasing",
    reason: string,
    options?: ErrorOptions,
  ) {
    const what = action === "allocating" ? "Allocating an address for" : "Releasing the address of";
    super(`${what} pod ${formatPodName(pod)}: ${reason}`, options);
  }
}
