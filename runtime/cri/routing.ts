import { looksLikeVimanaId } from "../../src/names/index.ts";

/**
 * IDs that belong to the downstream runtime (ref §1.4): every ID it listed at startup or handed
 * out since, and anything without a `p-`/`c-` prefix. A Vimana-looking ID downstream owns still
 * goes downstream.
 */
export class DownstreamIds {
  readonly #ids = new Set<string>();

  add(id: string): void {
    if (id !== "") this.#ids.add(id);
  }

  delete(id: string): void {
    this.#ids.delete(id);
  }

  owns(id: string): boolean {
    return this.#ids.has(id) || !looksLikeVimanaId(id);
  }
}
