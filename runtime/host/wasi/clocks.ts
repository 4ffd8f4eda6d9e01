// wasi:clocks@0.2.x — monotonic-clock and wall-clock, read from the host's clocks.
import { monotonicNow, Pollable } from "./io.ts";

export const clockInterfaces = {
  "wasi:clocks/monotonic-clock": {
    now: monotonicNow,
    resolution: (): bigint => 1n,
    subscribeInstant: (when: bigint): Pollable => new Pollable(when),
    subscribeDuration: (duration: bigint): Pollable => new Pollable(monotonicNow() + duration),
  },
  "wasi:clocks/wall-clock": {
    now(): { seconds: bigint; nanoseconds: number } {
      const ms = Date.now();
      return { seconds: BigInt(Math.floor(ms / 1000)), nanoseconds: (ms % 1000) * 1e6 };
    },
    resolution: (): { seconds: bigint; nanoseconds: number } => ({ seconds: 0n, nanoseconds: 1e6 }),
  },
};
