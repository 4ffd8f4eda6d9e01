// Component builds on one long-lived worker thread (build-worker.ts): the toolchains load once,
// and the main thread only sends specs and receives bytes.
import type { ComponentSource } from "../build/index.ts";

type Reply = { id: number } & ({ ok: true; bytes: Uint8Array } | { ok: false; message: string });

export class OffThreadBuilder {
  #worker: Worker | undefined;
  #nextId = 0;
  readonly #waiting = new Map<
    number,
    { resolve(bytes: Uint8Array): void; reject(e: Error): void }
  >();

  build(spec: ComponentSource): Promise<Uint8Array> {
    const id = ++this.#nextId;
    const worker = this.#start();
    return new Promise<Uint8Array>((resolve, reject) => {
      this.#waiting.set(id, { resolve, reject });
      worker.postMessage({ id, spec });
    });
  }

  close(): void {
    this.#worker?.terminate();
    this.#worker = undefined;
    this.#failAll(new Error("the build worker was stopped"));
  }

  #start(): Worker {
    if (this.#worker) return this.#worker;
    const worker = new Worker(new URL("./build-worker.ts", import.meta.url).href);
    worker.onmessage = (event: MessageEvent<Reply>) => {
      const reply = event.data;
      const waiting = this.#waiting.get(reply.id);
      this.#waiting.delete(reply.id);
      if (reply.ok) waiting?.resolve(reply.bytes);
      else waiting?.reject(new Error(reply.message));
    };
    // A worker that dies takes its builds with it; the next build starts a new one.
    worker.onerror = (event) => {
      this.#worker = undefined;
      worker.terminate();
      this.#failAll(new Error(`build worker: ${event.message}`));
    };
    // The worker must not keep the process alive once the dev server is done with it.
    worker.unref();
    this.#worker = worker;
    return worker;
  }

  #failAll(error: Error): void {
    for (const waiting of this.#waiting.values()) waiting.reject(error);
    this.#waiting.clear();
  }
}
