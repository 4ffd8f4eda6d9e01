// One controller: a work queue of `namespace/name` keys fed by watches, drained by workers that
// call the reconciler, with backoff on failure and metrics on every reconcile.
import type { Reconciler } from "../controllers/context.ts";
import { splitKey } from "../controllers/context.ts";
import type { Logger } from "./log.ts";
import type { Metrics } from "./metrics.ts";
import { WorkQueue } from "./queue.ts";

export class Controller {
  readonly queue = new WorkQueue();

  constructor(
    readonly reconciler: Reconciler,
    private readonly metrics: Metrics,
    private readonly log: Logger,
  ) {
    metrics.queue(reconciler.name, () => this.queue.depth);
  }

  enqueue(namespace: string | undefined, name: string): void {
    if (namespace) this.queue.add(`${namespace}/${name}`);
  }

  /** Runs `workers` loops until the queue closes. */
  async run(workers: number): Promise<void> {
    await Promise.all(Array.from({ length: workers }, () => this.work()));
  }

  private async work(): Promise<void> {
    for (let key = await this.queue.next(); key !== undefined; key = await this.queue.next()) {
      const started = performance.now();
      const [namespace, name] = splitKey(key);
      try {
        await this.reconciler.reconcile(namespace, name);
        this.queue.forget(key);
        this.metrics.reconciled(this.reconciler.name, "success", elapsed(started));
      } catch (error) {
        this.metrics.reconciled(this.reconciler.name, "error", elapsed(started));
        this.log.warn(`${this.reconciler.name} ${key}: ${(error as Error).message}`);
        this.queue.addRateLimited(key);
      } finally {
        this.queue.done(key);
      }
    }
  }
}

function elapsed(started: number): number {
  return (performance.now() - started) / 1000;
}
