// A list-then-watch cache of one kind across all namespaces. The watch resumes from the last
// resourceVersion it saw (so an API server restart loses nothing), lists again when that version
// has expired (410 Gone), and backs off while the API server is unreachable.
import type { KubeObject } from "../api/index.ts";
import { ApiError, type KubeClient, type ResourceType } from "../client/index.ts";
import type { Logger } from "./log.ts";

/** `old` is the previous state of a changed object, when the cache had one. */
export type ChangeHandler<T> = (object: T, old: T | undefined) => void;

export function objectKey(object: KubeObject): string {
  return object.metadata.namespace
    ? `${object.metadata.namespace}/${object.metadata.name}`
    : object.metadata.name;
}

const RETRY_BASE_MS = 250;
const RETRY_MAX_MS = 5_000;

export class Informer<T extends KubeObject> {
  private readonly store = new Map<string, T>();
  private readonly handlers: ChangeHandler<T>[] = [];
  private resourceVersion = "";
  private resolveSynced!: () => void;
  /** Resolves after the first complete list. */
  readonly synced = new Promise<void>((resolve) => {
    this.resolveSynced = resolve;
  });
  private hasSynced = false;

  constructor(
    private readonly client: KubeClient,
    readonly type: ResourceType,
    private readonly log: Logger,
    private readonly watchTimeoutSeconds = 300,
  ) {}

  /** Called for every added, changed or deleted object (deleted: its last known state). */
  onChange(handler: ChangeHandler<T>): void {
    this.handlers.push(handler);
  }

  get isSynced(): boolean {
    return this.hasSynced;
  }

  get(namespace: string | undefined, name: string): T | undefined {
    return this.store.get(namespace ? `${namespace}/${name}` : name);
  }

  list(namespace?: string): T[] {
    const all = [...this.store.values()];
    return namespace === undefined ? all : all.filter((o) => o.metadata.namespace === namespace);
  }

  async run(signal: AbortSignal): Promise<void> {
    let failures = 0;
    while (!signal.aborted) {
      try {
        if (this.resourceVersion === "") await this.relist();
        await this.client.watch<T>(
          this.type,
          {
            resourceVersion: this.resourceVersion,
            // Spread the watches' ends so they do not all reconnect at once.
            timeoutSeconds: Math.round(this.watchTimeoutSeconds * (1 + Math.random())),
            signal,
          },
          (event, object) => this.apply(event, object),
        );
        failures = 0;
      } catch (error) {
        if (signal.aborted) return;
        if (error instanceof ApiError && error.code === 410) {
          this.log.info(`${this.type.plural}: watch expired (410 Gone), listing again`);
          this.resourceVersion = "";
          continue;
        }
        failures++;
        const delay = Math.min(RETRY_MAX_MS, RETRY_BASE_MS * 2 ** (failures - 1));
        this.log.warn(
          `${this.type.plural}: watch failed (${(error as Error).message}); retrying in ${delay} ms`,
        );
        await sleep(delay, signal);
      }
    }
  }

  private async relist(): Promise<void> {
    const list = await this.client.list<T>(this.type);
    const seen = new Set<string>();
    for (const object of list.items) {
      const key = objectKey(object);
      seen.add(key);
      const old = this.store.get(key);
      if (old?.metadata.resourceVersion === object.metadata.resourceVersion) continue;
      this.store.set(key, object);
      this.notify(object, old);
    }
    for (const [key, object] of this.store) {
      if (seen.has(key)) continue;
      this.store.delete(key);
      this.notify(object, undefined);
    }
    this.resourceVersion = list.resourceVersion;
    if (!this.hasSynced) {
      this.hasSynced = true;
      this.resolveSynced();
    }
  }

  private apply(event: string, object: T): void {
    if (object.metadata.resourceVersion) this.resourceVersion = object.metadata.resourceVersion;
    if (event === "BOOKMARK") return;
    // Watch events carry apiVersion and kind; keep them uniform with listed items anyway.
    const typed = { ...object, apiVersion: this.type.apiVersion, kind: this.type.kind };
    const key = objectKey(typed);
    const old = this.store.get(key);
    if (event === "DELETED") this.store.delete(key);
    else this.store.set(key, typed);
    this.notify(typed, old);
  }

  private notify(object: T, old: T | undefined): void {
    for (const handler of this.handlers) {
      try {
        handler(object, old);
      } catch (error) {
        this.log.error(`${this.type.plural}: change handler failed: ${(error as Error).message}`);
      }
    }
  }
}

export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done);
  });
}
