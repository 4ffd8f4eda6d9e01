// Long calls yield the CPU. A worker thread that has been inside one component call for longer
// than LONG_CALL_MS (a spinning or memory-hungry call, up to its fuel budget) runs at the lowest
// OS priority until the call ends, so the kernel gives the other workers' short calls the cores
// first; the long call still uses any core nobody else wants. The worker cannot do this itself:
// it is inside the call. The main thread samples each worker's call counter instead
// (docs/vimanad.md, "Fair CPU between pods").
import { readlinkSync } from "node:fs";
import { getPriority, setPriority } from "node:os";
import type { Pod } from "../host/index.ts";

/** A call this long is treated as a long call: well above any answer a client waits for. */
export const LONG_CALL_MS = 20;
/** How often the main thread looks: a long call is lowered within LONG_CALL_MS + this. */
const SAMPLE_MS = 5;
/** Linux's lowest priority: a thread at 19 gets ~1.5% of a core a thread at 0 also wants. */
const LOWEST = 19;

/**
 * Two Int32 cells per worker: [calls begun, calls running]. The worker writes them around every
 * call; the main thread only reads them.
 */
export const CALL_CELLS_BYTES = 8;

/** The calling thread's kernel thread id (a worker's own, read in the worker). */
export function threadId(): number {
  // "/proc/thread-self" links to "<pid>/task/<tid>".
  return Number(readlinkSync("/proc/thread-self").split("/").pop());
}

/** Makes `pod.call` count itself in `cells` (this worker's), for `LongCallWatch`. */
export function countCalls(pod: Pod, cells: Int32Array): void {
  const call = pod.call.bind(pod);
  pod.call = (...args) => {
    Atomics.add(cells, 0, 1);
    Atomics.add(cells, 1, 1);
    try {
      return call(...args);
    } finally {
      Atomics.sub(cells, 1, 1);
    }
  };
}

interface Watched {
  tid: number;
  cells: Int32Array;
  /** The calls-begun count when the current call was first seen, and when. */
  seen: number;
  since: number;
  lowered: boolean;
}

/** Lowers the priority of a worker while it is in a long call, and restores it after. */
export class LongCallWatch {
  readonly #watched: Watched[] = [];
  readonly #timer: ReturnType<typeof setInterval>;
  readonly #normal: number;

  private constructor() {
    this.#normal = getPriority();
    this.#timer = setInterval(() => this.#sample(), SAMPLE_MS);
    this.#timer.unref();
  }

  /**
   * Starts watching, or says why it cannot: raising a thread back to its priority needs
   * CAP_SYS_NICE (vimanad runs as root) or an RLIMIT_NICE that allows it.
   */
  static start(): LongCallWatch | { unavailable: string } {
    const tid = threadId();
    const normal = getPriority();
    try {
      setPriority(tid, Math.min(normal + 1, LOWEST));
      setPriority(tid, normal);
    } catch (error) {
      try {
        setPriority(tid, normal);
      } catch {
        // Still lowered by one step: harmless for the main thread, which runs no calls.
      }
      return { unavailable: `cannot raise a thread's priority back (${messageOf(error)})` };
    }
    return new LongCallWatch();
  }

  watch(tid: number, cells: Int32Array): void {
    this.#watched.push({ tid, cells, seen: -1, since: 0, lowered: false });
  }

  stop(): void {
    clearInterval(this.#timer);
    for (const worker of this.#watched) if (worker.lowered) this.#set(worker, this.#normal);
  }

  #sample(): void {
    const now = performance.now();
    for (const worker of this.#watched) {
      const begun = Atomics.load(worker.cells, 0);
      const running = Atomics.load(worker.cells, 1) > 0;
      if (!running || begun !== worker.seen) {
        if (worker.lowered) this.#set(worker, this.#normal);
        worker.seen = running ? begun : -1;
        worker.since = now;
      } else if (!worker.lowered && now - worker.since >= LONG_CALL_MS) {
        this.#set(worker, LOWEST);
      }
    }
  }

  #set(worker: Watched, priority: number): void {
    try {
      setPriority(worker.tid, priority);
      worker.lowered = priority !== this.#normal;
    } catch {
      // The thread is gone (its worker crashed; the pool reports that).
      worker.lowered = false;
    }
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
