import { readFile } from "node:fs/promises";
import { isIP } from "node:net";
import { join } from "node:path";
import { formatPodName, type PodName } from "../../src/names/index.ts";
import { type HostLocalConfig, ipamContainerId, runHostLocal } from "./cni.ts";
import { type Ipam, IpamError, type PodAddress } from "./ipam.ts";
import {
  addAddress,
  type CommandPrefix,
  deleteAddress,
  ensureAddress,
  type InterfaceAddress,
  promoteSecondaries,
} from "./node-interface.ts";

export interface HostLocalOptions {
  /** The pod CIDR to allocate from (`--pod-ips`). */
  readonly subnet: string;
  /** The interface the addresses go on (`--network-interface`). */
  readonly interface: string;
  readonly pluginPath?: string;
  /** minikube's default network, as the original. */
  readonly networkName?: string;
  readonly dataDir?: string;
  /** Prepended to the `ip` and `sysctl` commands, e.g. to run them in a network namespace. */
  readonly commandPrefix?: CommandPrefix;
  /** Limit for one plugin run (it waits on a lock in its data dir). */
  readonly pluginTimeoutMs?: number;
}

interface Allocation extends PodAddress {
  /** Still on the interface (as far as we know). */
  active: boolean;
}

/**
 * Pod addresses from the CNI host-local plugin (ref §5.4): ADD reserves an address in the
 * plugin's data dir, then the address is added to the interface; release undoes both. A failed
 * step never strands a reservation.
 */
export class HostLocalIpam implements Ipam {
  readonly #config: HostLocalConfig;
  readonly #interface: string;
  readonly #commands: CommandPrefix;
  #promotingSecondaries: Promise<void> | undefined;
  readonly #byPod = new Map<string, Allocation>();

  constructor(options: HostLocalOptions) {
    this.#config = {
      pluginPath: options.pluginPath ?? "/usr/lib/cni/host-local",
      networkName: options.networkName ?? "kindnet",
      dataDir: options.dataDir ?? "/run/cni-ipam-state",
      subnet: options.subnet,
      timeoutMs: options.pluginTimeoutMs ?? 30_000,
    };
    this.#interface = options.interface;
    this.#commands = options.commandPrefix ?? [];
  }

  async allocate(pod: PodName): Promise<PodAddress> {
    let output: string;
    try {
      output = await runHostLocal(this.#config, "ADD", pod);
    } catch (error) {
      throw new IpamError(pod, "allocating", `Failed to run IPAM ADD: ${reason(error)}`, {
        cause: error,
      });
    }
    let address: PodAddress;
    try {
      address = parseAddResult(output);
      const target = { interface: this.#interface, ...address };
      if (isIPv4(address.address)) await this.#promoteSecondaries(target);
      await addAddress(this.#commands, target);
    } catch (error) {
      // The reservation is ours: give it back before reporting.
      const undo = await runHostLocal(this.#config, "DEL", pod).then(
        () => "",
        (delError) => `; and then failed to run IPAM DEL: ${reason(delError)}`,
      );
      throw new IpamError(pod, "allocating", `${reason(error)}${undo}`, { cause: error });
    }
    this.#byPod.set(formatPodName(pod), { ...address, active: true });
    return address;
  }

  /**
   * A recovered pod's address: its reservation in the plugin's data dir is checked (and made
   * again, for exactly this address, if it is gone — e.g. /run was emptied by a reboot), and the
   * address is put back on the interface if it is not there.
   */
  async adopt(pod: PodName, address: string): Promise<void> {
    const key = formatPodName(pod);
    if (this.#byPod.get(key)?.address === address) return;
    const prefixLength = Number(this.#config.subnet.split("/")[1]);
    const file = join(this.#config.dataDir, this.#config.networkName, address);
    const holder = await readFile(file, "utf8").then(
      (text) => text.split(/\r?\n/)[0]?.trim(),
      () => undefined,
    );
    if (holder === undefined) {
      let output: string;
      try {
        output = await runHostLocal(this.#config, "ADD", pod, address);
      } catch (error) {
        throw new IpamError(
          pod,
          "allocating",
          `Failed to reserve ${address} again: ${reason(error)}`,
          {
            cause: error,
          },
        );
      }
      const got = parseAddResult(output);
      if (got.address !== address) {
        await runHostLocal(this.#config, "DEL", pod).catch(() => {});
        throw new IpamError(
          pod,
          "allocating",
          `asked for ${address}, the plugin gave ${got.address}`,
        );
      }
    } else if (holder !== ipamContainerId(pod)) {
      throw new IpamError(
        pod,
        "allocating",
        `${address} is reserved by another container in ${file}`,
      );
    }
    const target = { interface: this.#interface, address, prefixLength };
    try {
      if (isIPv4(address)) await this.#promoteSecondaries(target);
      await ensureAddress(this.#commands, target);
    } catch (error) {
      throw new IpamError(pod, "allocating", reason(error), { cause: error });
    }
    this.#byPod.set(key, { address, prefixLength, active: true });
  }

  /**
   * Removes the address from the interface, then frees the reservation. DEL runs even when the
   * address was already gone, and for pods this process never saw (the container ID is derived
   * from the pod name, so a reservation left by an earlier process is freed too).
   */
  async release(pod: PodName): Promise<void> {
    const key = formatPodName(pod);
    const held = this.#byPod.get(key);
    let deactivation: unknown;
    if (held?.active) {
      try {
        await deleteAddress(this.#commands, { interface: this.#interface, ...held });
      } catch (error) {
        deactivation = error;
      }
      // Deleted, or not there to delete: either way a retry should only run DEL.
      held.active = false;
    }
    try {
      await runHostLocal(this.#config, "DEL", pod);
    } catch (error) {
      throw new IpamError(pod, "releasing", `Failed to run IPAM DEL: ${reason(error)}`, {
        cause: error,
      });
    }
    this.#byPod.delete(key);
    if (deactivation !== undefined) {
      throw new IpamError(pod, "releasing", reason(deactivation), { cause: deactivation });
    }
  }

  /** Once per instance (one interface); after a failure, the next IPv4 allocation tries again. */
  #promoteSecondaries(target: InterfaceAddress): Promise<void> {
    this.#promotingSecondaries ??= promoteSecondaries(this.#commands, target).catch((error) => {
      this.#promotingSecondaries = undefined;
      throw error;
    });
    return this.#promotingSecondaries;
  }
}

function isIPv4(address: string): boolean {
  return isIP(address) === 4;
}

/** The one address of an ADD result, split into address and prefix length. */
function parseAddResult(output: string): PodAddress {
  let result: unknown;
  try {
    result = JSON.parse(output);
  } catch (error) {
    throw new Error(`Error decoding IPAM 'ADD' response: ${reason(error)}`, { cause: error });
  }
  const ips = (result as { ips?: unknown } | null)?.ips;
  if (!Array.isArray(ips)) {
    throw new Error(`Error decoding IPAM 'ADD' response: no ips in ${output}`);
  }
  if (ips.length !== 1) {
    throw new Error(`Multiple IP addresses not supported: ${ips.length}`);
  }
  const cidr = (ips[0] as { address?: unknown } | null)?.address;
  const [address = "", prefix, ...rest] = typeof cidr === "string" ? cidr.split("/") : [];
  const prefixLength = Number(prefix);
  if (isIP(address) === 0 || rest.length > 0 || !/^\d{1,3}$/.test(prefix ?? "")) {
    throw new Error(`Invalid address mask: ${JSON.stringify(cidr)}`);
  }
  return { address, prefixLength };
}

function reason(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
