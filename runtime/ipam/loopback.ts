import { formatPodName, type PodName } from "../../src/names/index.ts";
import { type Ipam, IpamError, type PodAddress } from "./ipam.ts";

// 127.0.0.0/8 reaches the host on Linux with nothing configured. 127.0.0.1 is left to whatever
// else listens on localhost, and the network and broadcast addresses are not handed out.
const FIRST = 0x7f_00_00_02;
const LAST = 0x7f_ff_ff_fe;
const PREFIX_LENGTH = 8;

/** Pod addresses from 127.0.0.0/8: for development and tests, no root and no setup needed. */
export class LoopbackIpam implements Ipam {
  readonly #byPod = new Map<string, number>();
  // Released addresses, oldest first: reused before any fresh one, so churn never grows the
  // range in use, and a just-released address is the last to come back.
  readonly #released: number[] = [];
  #nextFresh = FIRST;
  /** Addresses `adopt` took that the fresh range has not reached yet. */
  readonly #adopted = new Set<number>();

  async allocate(pod: PodName): Promise<PodAddress> {
    const key = formatPodName(pod);
    const held = this.#byPod.get(key);
    if (held !== undefined) {
      throw new IpamError(pod, "allocating", `it already has ${formatIPv4(held)}`);
    }
    const address = this.#released.shift() ?? this.#fresh(pod);
    this.#byPod.set(key, address);
    return { address: formatIPv4(address), prefixLength: PREFIX_LENGTH };
  }

  async adopt(pod: PodName, address: string): Promise<void> {
    const key = formatPodName(pod);
    const wanted = parseIPv4(address);
    if (wanted === undefined || wanted < FIRST || wanted > LAST) {
      throw new IpamError(pod, "allocating", `${address} is not a loopback pod address`);
    }
    const held = this.#byPod.get(key);
    if (held === wanted) return;
    if (held !== undefined) {
      throw new IpamError(pod, "allocating", `it already has ${formatIPv4(held)}`);
    }
    for (const [other, taken] of this.#byPod) {
      if (taken === wanted)
        throw new IpamError(pod, "allocating", `${address} is held by pod ${other}`);
    }
    this.#byPod.set(key, wanted);
    this.#adopted.add(wanted);
    const queued = this.#released.indexOf(wanted);
    if (queued >= 0) this.#released.splice(queued, 1);
  }

  async release(pod: PodName): Promise<void> {
    const key = formatPodName(pod);
    const held = this.#byPod.get(key);
    if (held === undefined) return;
    this.#byPod.delete(key);
    this.#released.push(held);
  }

  #fresh(pod: PodName): number {
    // Adopted addresses were handed out by an earlier process: skip them, once.
    while (this.#adopted.delete(this.#nextFresh)) this.#nextFresh++;
    if (this.#nextFresh > LAST) {
      throw new IpamError(pod, "allocating", "every loopback address is in use");
    }
    return this.#nextFresh++;
  }
}

function parseIPv4(text: string): number | undefined {
  const parts = text.split(".");
  if (parts.length !== 4 || !parts.every((part) => /^\d{1,3}$/.test(part) && Number(part) < 256)) {
    return undefined;
  }
  return parts.reduce((value, part) => value * 256 + Number(part), 0);
}

function formatIPv4(address: number): string {
  return [24, 16, 8, 0].map((shift) => (address >>> shift) & 0xff).join(".");
}
