// A token bucket: how many times something may happen in a burst and, after that, per second.
// Floods (rapid reset, refused streams, empty frames) spend one token per frame.

/** How many times something may happen in a burst and, after that, per second. */
export interface Rate {
  readonly burst: number;
  readonly perSecond: number;
}

export class EventBudget {
  readonly burst: number;
  readonly perSecond: number;
  #tokens: number;
  #last = performance.now();

  constructor({ burst, perSecond }: Rate) {
    this.burst = burst;
    this.perSecond = perSecond;
    this.#tokens = burst;
  }

  /** Spends one token; false when none is left (the flood is over its budget). */
  spend(): boolean {
    this.#refill();
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }

  /** No token left now. */
  exhausted(): boolean {
    this.#refill();
    return this.#tokens < 1;
  }

  /** Every token back: nothing was spent lately. */
  full(): boolean {
    this.#refill();
    return this.#tokens >= this.burst;
  }

  #refill(): void {
    const now = performance.now();
    this.#tokens = Math.min(
      this.burst,
      this.#tokens + ((now - this.#last) * this.perSecond) / 1000,
    );
    this.#last = now;
  }
}
