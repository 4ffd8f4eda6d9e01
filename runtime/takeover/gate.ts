// The CRI calls that change vimanad's state, held still while a takeover is negotiated: the
// old process finishes the calls it started, holds new ones, and once the new process serves,
// passes the held ones (and any that still reach it) on to the new process byte for byte.
// If the takeover is called off, the held calls run here as if nothing happened.
import type { CallContext, RawAnswer, UnaryHandler } from "../cri/index.ts";

export type Forward = (path: string, request: Buffer, call: CallContext) => Promise<RawAnswer>;

export class CriGate {
  #inFlight = 0;
  #idle: (() => void)[] = [];
  #held: Promise<void> | undefined;
  #release: (() => void) | undefined;
  #successor: Forward | undefined;

  /** Each handler runs through the gate. */
  wrap(handlers: ReadonlyMap<string, UnaryHandler>): Map<string, UnaryHandler> {
    return new Map(
      [...handlers].map(([path, handler]) => [
        path,
        (request, call) => this.#run(path, handler, request, call),
      ]),
    );
  }

  /** Holds new calls and resolves once the calls in flight have finished. */
  async close(): Promise<void> {
    this.#held ??= new Promise((resolve) => {
      this.#release = resolve;
    });
    if (this.#inFlight > 0) await new Promise<void>((resolve) => this.#idle.push(resolve));
  }

  /** No call is running here or being passed on. */
  get idle(): boolean {
    return this.#inFlight === 0;
  }

  /** The takeover was called off: held calls run here. */
  reopen(): void {
    this.#release?.();
    this.#held = undefined;
    this.#release = undefined;
  }

  /** The new process serves: held calls, and every later one, go to it. */
  handOver(successor: Forward): void {
    this.#successor = successor;
    this.reopen();
  }

  async #run(
    path: string,
    handler: UnaryHandler,
    request: Buffer,
    call: CallContext,
  ): Promise<RawAnswer> {
    while (this.#held !== undefined) await this.#held;
    this.#inFlight++;
    try {
      if (this.#successor !== undefined) return await this.#successor(path, request, call);
      return await handler(request, call);
    } finally {
      this.#inFlight--;
      if (this.#inFlight === 0) {
        for (const resolve of this.#idle.splice(0)) resolve();
      }
    }
  }
}
