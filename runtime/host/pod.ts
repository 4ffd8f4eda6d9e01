// A pod's instance pool and its calls.
//
// Why reusing an instance is safe:
// - A call runs to completion synchronously: every import the sandbox provides returns at once,
//   so no other call can observe or enter an instance mid-call.
// - Only an instance whose call returned normally goes back to the pool; one that trapped, threw,
//   exited or ran out of fuel or memory may hold half-updated state and is dropped.
// - Instances belong to one pod; nothing in them is shared with another pod or tenant.
// What persists is the component's own state (globals, heap) from one call to the next, as in a
// long-running process; docs/components.md tells component authors so.
//
// Why the pool rarely holds more than one instance: in one JavaScript thread, synchronous calls
// never overlap. A second instance is created only when a call starts while every instance is
// busy, which today means re-entry (a log sink that calls the same pod while that pod's call is
// writing a line); with asynchronous imports it would mean overlapping calls.
import {
  type CanonicalSignature,
  compileDirectCall,
  coreParamCount,
  type DirectCall,
} from "./canonical/index.ts";
import type { CallContext } from "./context.ts";
import { CallFailure, type CallSite, ComponentExit, LoadError, SandboxDenied } from "./failures.ts";
import { ComponentInstance, type PreparedComponent } from "./instance.ts";
import type { LogSink } from "./log.ts";

export interface PodOptions {
  /** The pod's name, as its log lines and failures show it. */
  name: string;
  /** The pod's environment variables (from CreateContainer), for `wasi:cli/environment`. */
  env?: readonly (readonly [string, string])[];
  /** Fuel per call, overriding the host's default. */
  fuelPerCall?: number;
  /**
   * Runs after every call, answered or failed: a pod served from a worker thread publishes its
   * usage here, so that CRI stats on the main thread read it current.
   */
  afterCall?: () => void;
}

/** A method on the canonical-ABI fast path (see `Pod.direct`). */
export interface DirectMethod {
  exportName: string;
  call: DirectCall;
}

/** What a pod needs from its component. */
export interface PodComponent {
  name: string;
  prepared: PreparedComponent;
  /** Top-level function exports: WIT name → the glue's name. */
  exportKeys: ReadonlyMap<string, string>;
  /** The glue's names of those that return `result<…>`, or whose glue could not tell. */
  fallibleExports: ReadonlySet<string>;
  memoryBytes: number;
}

export interface PodLimits {
  fuelPerCall: number;
  maxIdleInstances: number;
}

export interface PodStats {
  calls: number;
  failures: number;
  instancesCreated: number;
  idleInstances: number;
}

/** What a pod costs the node now, for CRI stats. */
export interface PodUsage {
  /** Linear memory of its instances, in bytes. */
  memoryBytes: number;
  /**
   * Time spent running its code (calls and instantiations; both synchronous, so CPU time of
   * vimanad's thread), cumulative.
   */
  cpuNanos: bigint;
}

export class Pod {
  readonly name: string;
  readonly #component: PodComponent;
  readonly #env: readonly (readonly [string, string])[];
  readonly #fuel: number;
  readonly #maxIdle: number;
  readonly #log: LogSink;
  readonly #afterCall: (() => void) | undefined;
  #idle: ComponentInstance[] = [];
  #closed = false;
  #stats = { calls: 0, failures: 0, instancesCreated: 0 };
  /** Milliseconds, fractional: summed as a float, converted when read. */
  #callMs = 0;

  /**
   * Creates the first instance now, so a component that cannot start fails at pod creation
   * (a `LoadError`) rather than at its first call.
   */
  constructor(component: PodComponent, options: PodOptions, limits: PodLimits, log: LogSink) {
    this.name = options.name;
    this.#component = component;
    this.#env = options.env ?? [];
    this.#fuel = checkedFuel(options.fuelPerCall ?? limits.fuelPerCall);
    this.#maxIdle = limits.maxIdleInstances;
    this.#log = log;
    this.#afterCall = options.afterCall;
    try {
      this.#idle.push(this.#createInstance("(initialization)"));
    } catch (error) {
      throw new LoadError((error as CallFailure).message, { cause: error });
    }
  }

  /**
   * The canonical-ABI fast path for `exportName` with this signature, or why not (its core
   * function is missing or takes other parameters): decided once, at load, per method.
   */
  direct(exportName: string, signature: CanonicalSignature): DirectMethod | string {
    const key = this.#component.exportKeys.get(exportName);
    if (key === undefined || this.#component.fallibleExports.has(key)) {
      return `${exportName} returns result<…> (typed errors), or jco's glue does not say`;
    }
    const core = this.#idle[0]?.coreExports(exportName);
    if (core === undefined) return `no core function ${exportName} with memory and cabi_realloc`;
    const params = coreParamCount(signature);
    if (core.fn.length !== params) {
      return `core function ${exportName} takes ${core.fn.length} parameters, not ${params}`;
    }
    return { exportName, call: compileDirectCall(signature) };
  }

  /**
   * Calls the top-level function `exportName` (its WIT name, e.g. `add-floats`) with
   * `(context, request)` and returns its result, in jco's value shapes — through jco's glue, or
   * through `direct` (from `direct()`) when given. Throws a `CallFailure`.
   */
  call(exportName: string, context: CallContext, request: unknown, direct?: DirectMethod): unknown {
    const site: CallSite = { pod: this.name, component: this.#component.name, exportName };
    if (this.#closed) throw new Error(`pod ${this.name} is closed`);
    this.#stats.calls++;
    const key = this.#component.exportKeys.get(exportName);
    if (key === undefined) {
      this.#stats.failures++;
      throw new CallFailure("missing-export", site, `Function not found: "${exportName}"`);
    }
    const instance = this.#idle.pop() ?? this.#createInstance(exportName);
    const core = direct && instance.coreExports(exportName);
    const exported = core ? undefined : instance.export(key);
    instance.beginCall(this.#fuel);
    let result: unknown;
    const started = performance.now();
    try {
      result = core
        ? (direct as DirectMethod).call(core, context.headers, request as Record<string, unknown>)
        : (exported as (...args: unknown[]) => unknown)(context, request);
    } catch (error) {
      this.#callMs += performance.now() - started;
      instance.endCall();
      this.#stats.failures++;
      const failure = this.#failure(instance, site, error);
      if (instance.memoryBytes >= RECLAIM_BYTES) reclaimSoon();
      this.#afterCall?.();
      throw failure;
    }
    this.#callMs += performance.now() - started;
    instance.endCall();
    if (!this.#closed && this.#idle.length < this.#maxIdle) this.#idle.push(instance);
    this.#afterCall?.();
    return result;
  }

  /** Drops the idle instances; later calls fail. */
  close(): void {
    this.#closed = true;
    this.#idle = [];
  }

  get stats(): PodStats {
    return { ...this.#stats, idleInstances: this.#idle.length };
  }

  /**
   * Memory counts the idle instances: calls are synchronous, so between calls (whenever this
   * can run) every live instance is idle.
   */
  get usage(): PodUsage {
    let memoryBytes = 0;
    for (const instance of this.#idle) memoryBytes += instance.memoryBytes;
    return { memoryBytes, cpuNanos: BigInt(Math.round(this.#callMs * 1e6)) };
  }

  #createInstance(exportName: string): ComponentInstance {
    const instance = new ComponentInstance({
      env: this.#env,
      fuel: this.#fuel,
      onLine: (stream, line, partial) =>
        this.#log({
          pod: this.name,
          component: this.#component.name,
          stream,
          line,
          ...(partial && { partial }),
        }),
    });
    const started = performance.now();
    try {
      instance.instantiate(this.#component.prepared, this.#env);
    } catch (error) {
      this.#callMs += performance.now() - started;
      instance.endCall();
      this.#stats.failures++;
      const site = { pod: this.name, component: this.#component.name, exportName };
      const cause = this.#failure(instance, site, error);
      throw new CallFailure("instantiation", site, `${cause.summary}: ${messageOf(error)}`, {
        cause: error,
      });
    }
    this.#callMs += performance.now() - started;
    this.#stats.instancesCreated++;
    return instance;
  }

  #failure(instance: ComponentInstance, site: CallSite, error: unknown): CallFailure {
    const options = { cause: error };
    if (error instanceof ComponentExit)
      return new CallFailure("exit", site, error.message, options);
    if (error instanceof SandboxDenied)
      return new CallFailure("denied", site, error.message, options);
    // The fuel check traps with `unreachable` once fuel is negative; a trap of the
    // component's own leaves fuel at zero or above.
    if (instance.fuelSpent) {
      return new CallFailure("budget", site, `used all ${this.#fuel} fuel`, options);
    }
    const trapped = error instanceof WebAssembly.RuntimeError || isStackOverflow(error);
    if (trapped && instance.memoryGrowthRefused) {
      const cap = this.#component.memoryBytes;
      return new CallFailure(
        "memory",
        site,
        `memory growth past the ${cap}-byte cap was refused, then: ${messageOf(error)}`,
        options,
      );
    }
    return new CallFailure(trapped ? "trap" : "error", site, messageOf(error), options);
  }
}

/** A dropped instance with this much linear memory is worth a collection of its own. */
const RECLAIM_BYTES = 16 * 1024 * 1024;
/** At most one such collection per thread this often: a pod failing on purpose cannot buy more. */
const RECLAIM_INTERVAL_MS = 1000;
let lastReclaim = Number.NEGATIVE_INFINITY;
let reclaimScheduled = false;

/**
 * A dropped instance's memory goes back to the OS only when the garbage collector frees it, and
 * linear memory lives outside the JavaScript heap whose growth triggers collections: an attacker
 * growing to its cap and trapping, over and over, left hundreds of MiB resident after it stopped.
 * So a full collection follows such a failure: at once, or at the end of the interval when one
 * ran less than an interval ago (so the last failures of a burst are collected too).
 */
function reclaimSoon(): void {
  if (reclaimScheduled) return;
  reclaimScheduled = true;
  const now = performance.now();
  const at = Math.max(now, lastReclaim + RECLAIM_INTERVAL_MS);
  setTimeout(() => {
    reclaimScheduled = false;
    lastReclaim = performance.now();
    Bun.gc(true);
  }, at - now);
}

/** The fuel counter is an i32 (cheaper to meter than an i64): about two seconds of a tight loop. */
const MAX_FUEL_PER_CALL = 2 ** 31 - 1;

function checkedFuel(fuel: number): number {
  if (!Number.isInteger(fuel) || fuel < 1 || fuel > MAX_FUEL_PER_CALL) {
    throw new RangeError(
      `fuel per call must be an integer from 1 to ${MAX_FUEL_PER_CALL}, got ${fuel}`,
    );
  }
  return fuel;
}

function isStackOverflow(error: unknown): boolean {
  return error instanceof RangeError && /call stack/i.test(error.message);
}

function messageOf(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
