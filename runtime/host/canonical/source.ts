// The text of one method's generated call: statements in order, fresh variable names, and the
// helpers (enum case tables) hoisted into the factory around it, shared by name.

export class Source {
  readonly lines: string[] = [];
  readonly hoisted: string[] = [];
  readonly #helpers = new Map<string, string>();
  #next = 0;

  /** A fresh variable name. */
  name(prefix: string): string {
    return `${prefix}${this.#next++}`;
  }

  emit(...lines: string[]): void {
    this.lines.push(...lines);
  }

  /** The name of a hoisted helper, made by `define(name)` the first time `key` is asked for. */
  helper(key: string, define: (name: string) => string): string {
    let name = this.#helpers.get(key);
    if (name === undefined) {
      name = this.name("helper");
      this.#helpers.set(key, name);
      this.hoisted.push(define(name));
    }
    return name;
  }
}

/** `base + offset`, without a `+ 0`. */
export function at(base: string, offset: number): string {
  return offset === 0 ? base : `${base} + ${offset}`;
}

/** Re-reads the memory's views after a call into the component, which may have grown it. */
export const REFRESH_VIEW = "m = viewsOf(core); view = m.view;";
