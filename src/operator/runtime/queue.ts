// A work queue like client-go's: a key waiting more than once is processed once, a key is never
// processed by two workers at once (a change during processing queues it again), and failing
// keys come back after a per-key exponential backoff.

export interface BackoffOptions {
  baseMs: number;
  maxMs: number;
}

export class WorkQueue {
  private readonly waiting = new Set<string>();
  private readonly order: string[] = [];
  private readonly active = new Set<string>();
  // Keys that changed while a worker held them: queued again when it finishes.
  private readonly dirty = new Set<string>();
  private readonly failures = new Map<string, number>();
  private readonly timers = new Map<string, Timer>();
  private readonly waiters: (() => void)[] = [];
  private closed = false;

  constructor(private readonly backoff: BackoffOptions = { baseMs: 5, maxMs: 30_000 }) {}

  add(key: string): void {
    if (this.closed) return;
    if (this.active.has(key)) {
      this.dirty.add(key);
      return;
    }
    if (this.waiting.has(key)) return;
    this.waiting.add(key);
    this.order.push(key);
    this.waiters.shift()?.();
  }

  /** Queues the key again after its backoff, which doubles with each consecutive failure. */
  addRateLimited(key: string): void {
    const failures = this.failures.get(key) ?? 0;
    this.failures.set(key, failures + 1);
    const delay = Math.min(this.backoff.maxMs, this.backoff.baseMs * 2 ** failures);
    this.addAfter(key, delay);
  }

  addAfter(key: string, delayMs: number): void {
    if (this.closed || this.timers.has(key)) return;
    const timer = setTimeout(() => {
      this.timers.delete(key);
      this.add(key);
    }, delayMs);
    this.timers.set(key, timer);
  }

  /** The key succeeded: its next failure starts the backoff from the beginning. */
  forget(key: string): void {
    this.failures.delete(key);
  }

  /** Waits for a key and marks it active; undefined once the queue is closed. */
  async next(): Promise<string | undefined> {
    while (!this.closed) {
      const key = this.order.shift();
      if (key !== undefined) {
        this.waiting.delete(key);
        this.active.add(key);
        return key;
      }
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
    return undefined;
  }

  done(key: string): void {
    this.active.delete(key);
    if (this.dirty.delete(key)) this.add(key);
  }

  get depth(): number {
    return this.order.length;
  }

  close(): void {
    this.closed = true;
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    for (const wake of this.waiters.splice(0)) wake();
  }
}
