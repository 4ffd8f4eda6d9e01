// What one client may hold of a pod's server, and every client of all pods' servers: the limits
// a gateway-facing server keeps so that no tenant or client can take the node's descriptors,
// memory or threads from the others (docs/dataplane.md, "Limits").
import { readFileSync } from "node:fs";
import { DEFAULT_FLOOD_LIMITS, type FloodLimits } from "./h2/index.ts";

/** The HTTP/2 flood limits (h2/connection.ts) and these. */
export interface DataPlaneLimits extends FloodLimits {
  /** SETTINGS_MAX_CONCURRENT_STREAMS advertised on each HTTP/2 connection, and enforced. */
  readonly maxConcurrentStreams: number;
  /** A request head (names and values) larger than this is answered 431. */
  readonly maxHeaderBytes: number;
  /**
   * A connection must send its first bytes, and an HTTP/1.1 request its whole head (from the
   * connection or from the end of the previous response), within this many milliseconds.
   */
  readonly headersTimeoutMs: number;
  /** A connection with no call in flight for this long is closed (HTTP/2: GOAWAY). */
  readonly idleTimeoutMs: number;
  /** Open connections one pod accepts; more are closed at once. */
  readonly maxConnectionsPerPod: number;
  /**
   * Connections of one address that a flood limit ended (GOAWAY ENHANCE_YOUR_CALM), then one a
   * second; past them its next connections to the pod are held unread (flood-penalties.ts).
   */
  readonly floodStrikes: number;
}

/** As Envoy's edge defaults suggest: 100 streams, bounded heads, short head timeouts. */
export const DEFAULT_LIMITS: DataPlaneLimits = {
  maxConcurrentStreams: 100,
  maxHeaderBytes: 16 * 1024,
  headersTimeoutMs: 10_000,
  idleTimeoutMs: 300_000,
  maxConnectionsPerPod: 1024,
  ...DEFAULT_FLOOD_LIMITS,
  floodStrikes: 5,
};

/** Descriptors kept for everything but pod connections: CRI, containerd, image files, logs. */
const RESERVED_DESCRIPTORS = 2048;

/** The process's open-files limit (soft), from /proc; undefined where there is none. */
export function openFilesLimit(): number | undefined {
  try {
    const line = /^Max open files\s+(\d+|unlimited)/m.exec(
      readFileSync("/proc/self/limits", "utf8"),
    );
    return line?.[1] === undefined || line[1] === "unlimited" ? undefined : Number(line[1]);
  } catch {
    return undefined;
  }
}

/** Pod connections the whole process accepts by default: its descriptors less a reserve. */
export function defaultMaxConnections(): number {
  const limit = openFilesLimit() ?? 1_048_576;
  return Math.max(256, limit - RESERVED_DESCRIPTORS);
}

/**
 * A count of open connections with a cap: the process-wide one shared by every pod's server (a
 * connection past it is refused whichever pod it is for), or one pod's. Its count lives in a
 * shared cell, so that servers in different worker threads (runtime/workers) keep one count.
 */
export class ConnectionBudget {
  /** One Int32 cell; a SharedArrayBuffer's when threads share the count. */
  readonly cell: Int32Array;

  constructor(
    readonly max: number,
    cell: Int32Array = new Int32Array(new SharedArrayBuffer(4)),
  ) {
    this.cell = cell;
  }

  get open(): number {
    return Atomics.load(this.cell, 0);
  }

  /** Takes one connection's place; false when the count is at its cap. */
  take(): boolean {
    if (Atomics.add(this.cell, 0, 1) < this.max) return true;
    Atomics.sub(this.cell, 0, 1);
    return false;
  }

  give(): void {
    Atomics.sub(this.cell, 0, 1);
  }
}
