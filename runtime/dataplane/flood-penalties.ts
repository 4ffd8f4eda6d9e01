// Peers that keep flooding a pod: each HTTP/2 connection of theirs that ends in GOAWAY
// ENHANCE_YOUR_CALM (h2/) is a strike against their address. Past a burst of strikes, their
// next connections to the pod are held: accepted, never read, closed after a while. A flooder
// that reconnects as soon as one connection ends would otherwise make the pod pay for a new
// connection and a fresh flood budget every few hundred microseconds; a held connection costs a
// descriptor, and TCP's window stops the client's writes (docs/dataplane.md, "Limits").
import { EventBudget } from "./h2/index.ts";

/** Addresses remembered at once; the oldest is forgotten first (a spoofing flood can't grow it). */
const MAX_PEERS = 4096;

export class FloodPenalties {
  readonly #peers = new Map<string, EventBudget>();

  /** `strikes` connections ending in ENHANCE_YOUR_CALM per address, then one a second. */
  constructor(readonly strikes: number) {}

  /** A connection from `address` ended in ENHANCE_YOUR_CALM. */
  strike(address: string | undefined): void {
    if (address === undefined) return;
    let budget = this.#peers.get(address);
    if (budget === undefined) {
      if (this.#peers.size >= MAX_PEERS) {
        const oldest = this.#peers.keys().next().value;
        if (oldest !== undefined) this.#peers.delete(oldest);
      }
      budget = new EventBudget({ burst: this.strikes, perSecond: 1 });
      this.#peers.set(address, budget);
    }
    budget.spend();
  }

  /** Whether `address` has spent its strikes: its connection is to be held, not served. */
  penalized(address: string | undefined): boolean {
    if (address === undefined) return false;
    const budget = this.#peers.get(address);
    if (budget === undefined) return false;
    if (budget.full()) {
      this.#peers.delete(address);
      return false;
    }
    return budget.exhausted();
  }
}
