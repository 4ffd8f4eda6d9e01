// A small Kubernetes API client over fetch with the admin's client certificate: enough to wait
// for readiness and create a few objects without starting kubectl for each.
import { readFileSync } from "node:fs";

export interface ApiAnswer {
  readonly status: number;
  readonly body: unknown;
}

export class KubeApi {
  readonly #tls: { ca: string; cert: string; key: string };

  constructor(
    readonly server: string,
    paths: { ca: string; cert: string; key: string },
  ) {
    this.#tls = {
      ca: readFileSync(paths.ca, "utf8"),
      cert: readFileSync(paths.cert, "utf8"),
      key: readFileSync(paths.key, "utf8"),
    };
  }

  async request(method: string, path: string, body?: unknown): Promise<ApiAnswer> {
    const response = await fetch(`${this.server}${path}`, {
      method,
      headers: body === undefined ? {} : { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
      tls: this.#tls,
      signal: AbortSignal.timeout(10_000),
    });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // readyz and friends answer plain text.
    }
    return { status: response.status, body: parsed };
  }

  /** GET that resolves the object, or undefined on 404. */
  async get(path: string): Promise<unknown> {
    const answer = await this.request("GET", path);
    if (answer.status === 404) return undefined;
    if (answer.status !== 200) {
      throw new Error(`GET ${path} answered ${answer.status}: ${JSON.stringify(answer.body)}`);
    }
    return answer.body;
  }

  /** Creates an object; one that exists already counts as created. */
  async create(collection: string, object: unknown): Promise<void> {
    const answer = await this.request("POST", collection, object);
    if (answer.status !== 201 && answer.status !== 200 && answer.status !== 409) {
      throw new Error(
        `POST ${collection} answered ${answer.status}: ${JSON.stringify(answer.body)}`,
      );
    }
  }
}

/** Polls `probe` until it resolves true; else throws with the last reason and `context()`. */
export async function waitFor(
  what: string,
  timeoutMs: number,
  probe: () => Promise<true | string>,
  context: () => string = () => "",
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = "";
  for (;;) {
    try {
      const answer = await probe();
      if (answer === true) return;
      last = answer;
    } catch (error) {
      last = (error as Error).message;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}: ${last}\n${context()}`);
    }
    await Bun.sleep(100);
  }
}
