import { describe, expect, test } from "bun:test";
import { WorkQueue } from "./queue.ts";

describe("WorkQueue", () => {
  test("coalesces a key added while it waits", async () => {
    const queue = new WorkQueue();
    queue.add("a");
    queue.add("b");
    queue.add("a");
    expect(queue.depth).toBe(2);
    expect(await queue.next()).toBe("a");
    expect(await queue.next()).toBe("b");
    queue.close();
  });

  test("a key changed while active is processed again after done, never twice at once", async () => {
    const queue = new WorkQueue();
    queue.add("a");
    const key = await queue.next();
    queue.add("a");
    expect(queue.depth).toBe(0);
    queue.done(key ?? "");
    expect(queue.depth).toBe(1);
    queue.close();
  });

  test("failures back off exponentially per key; forget resets", async () => {
    const queue = new WorkQueue({ baseMs: 20, maxMs: 1000 });
    const started = performance.now();
    queue.addRateLimited("a"); // 20 ms
    await queue.next();
    queue.done("a");
    queue.addRateLimited("a"); // 40 ms
    await queue.next();
    const elapsed = performance.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(55);
    queue.done("a");
    queue.forget("a");
    const again = performance.now();
    queue.addRateLimited("a"); // 20 ms again
    await queue.next();
    expect(performance.now() - again).toBeLessThan(elapsed);
    queue.close();
  });

  test("close wakes waiting workers", async () => {
    const queue = new WorkQueue();
    const waiting = [queue.next(), queue.next()];
    queue.close();
    expect(await Promise.all(waiting)).toEqual([undefined, undefined]);
  });
});
