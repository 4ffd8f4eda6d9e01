import {
  type BearerChallenge,
  basicAuthorization,
  type Credentials,
  parseBearerChallenge,
  tokenFromAnswer,
  tokenUrl,
} from "./auth.ts";

/** `fetch`, or a stand-in with its call shape (tests count requests through one). */
export type Fetch = (input: string | URL, init?: RequestInit) => Promise<Response>;

/** How to reach one registry. */
export interface RegistryConnection {
  /** `host[:port]`, as in an image reference. */
  readonly registry: string;
  /** Speak plain HTTP (vimanad's insecure registries); HTTPS otherwise. */
  readonly insecure: boolean;
  /** Sent to the token endpoint when the registry asks for a token; anonymous without. */
  readonly credentials?: Credentials;
  /** Limit for each request, reading its answer included. */
  readonly timeoutMs?: number;
  readonly fetch?: Fetch;
}

export const DEFAULT_TIMEOUT_MS = 60_000;

/** A finished exchange: the answer's body is read in full (up to the request's limit). */
export interface Answer {
  readonly status: number;
  readonly headers: Headers;
  readonly body: Uint8Array;
}

export interface RequestOptions {
  readonly headers?: Record<string, string>;
  readonly body?: Uint8Array;
  /** A successful answer longer than this is an error (a blob larger than its descriptor). */
  readonly maxBytes: number;
}

// Enough of an error answer to quote the registry's reason.
const ERROR_BODY_LIMIT = 64 * 1024;

/**
 * Requests to one registry over HTTP(S), each within a time limit, answering token challenges.
 * The token is kept for later requests: one pull or push needs one token.
 */
export class RegistryClient {
  readonly baseUrl: string;
  readonly #connection: RegistryConnection;
  readonly #fetch: Fetch;
  readonly #timeoutMs: number;
  #authorization: string | undefined;

  constructor(connection: RegistryConnection) {
    this.#connection = connection;
    this.baseUrl = `${connection.insecure ? "http" : "https"}://${connection.registry}`;
    this.#fetch = connection.fetch ?? fetch;
    this.#timeoutMs = connection.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  }

  /** `<scheme>://<registry>/v2/<path>` */
  url(path: string): string {
    return `${this.baseUrl}/v2/${path}`;
  }

  async request(method: string, url: string | URL, options: RequestOptions): Promise<Answer> {
    const answer = await this.#exchange(method, url, options, this.#authorization);
    if (answer.status !== 401) return answer;
    const challenge = parseBearerChallenge(answer.headers.get("www-authenticate"));
    if (challenge === undefined) return answer;
    this.#authorization = `Bearer ${await this.#token(challenge)}`;
    return this.#exchange(method, url, options, this.#authorization);
  }

  async #token(challenge: BearerChallenge): Promise<string> {
    const url = tokenUrl(challenge);
    const { credentials } = this.#connection;
    const authorization = credentials && basicAuthorization(credentials);
    const answer = await this.#exchange("GET", url, { maxBytes: ERROR_BODY_LIMIT }, authorization);
    if (answer.status !== 200) {
      const who = credentials ? `user ${JSON.stringify(credentials.username)}` : "anonymous";
      throw new Error(
        `token request GET ${url} (${who}): ${describeFailure(answer.status, answer.body)}`,
      );
    }
    try {
      return tokenFromAnswer(answer.body);
    } catch (error) {
      throw new Error(`token request GET ${url}: ${(error as Error).message}`, { cause: error });
    }
  }

  async #exchange(
    method: string,
    url: string | URL,
    options: RequestOptions,
    authorization: string | undefined,
  ): Promise<Answer> {
    const headers = { ...options.headers, ...(authorization && { authorization }) };
    // One signal for the headers and the body: a registry that stalls mid-blob times out too.
    const signal = AbortSignal.timeout(this.#timeoutMs);
    try {
      const response = await this.#fetch(url, { method, headers, body: options.body, signal });
      const ok = isSuccess(response.status);
      const body = await readBody(response, ok ? options.maxBytes : ERROR_BODY_LIMIT, ok);
      return { status: response.status, headers: response.headers, body };
    } catch (error) {
      if ((error as Error).name === "TimeoutError") {
        throw new Error(`${method} ${url}: no answer within ${this.#timeoutMs} ms`, {
          cause: error,
        });
      }
      throw new Error(`${method} ${url}: ${(error as Error).message}`, { cause: error });
    }
  }
}

export function isSuccess(status: number): boolean {
  return status >= 200 && status < 300;
}

/** Reads up to `limit` bytes; beyond it, a successful answer is an error, an error is cut. */
async function readBody(response: Response, limit: number, strict: boolean): Promise<Uint8Array> {
  if (response.body === null) return new Uint8Array();
  const chunks: Uint8Array[] = [];
  let length = 0;
  const reader = response.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    length += value.byteLength;
    if (length > limit) {
      await reader.cancel();
      if (strict) throw new Error(`the answer is longer than the expected ${limit} bytes`);
      chunks.push(value.subarray(0, value.byteLength - (length - limit)));
      length = limit;
      break;
    }
    chunks.push(value);
  }
  const body = new Uint8Array(length);
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return body;
}

/** "Got HTTP 404 (MANIFEST_UNKNOWN: manifest unknown)": the status, and the registry's reason. */
export function describeFailure(status: number, body: Uint8Array): string {
  const reasons = registryErrors(body);
  return reasons.length > 0 ? `Got HTTP ${status} (${reasons.join("; ")})` : `Got HTTP ${status}`;
}

// The distribution spec's error body: {"errors":[{"code":…,"message":…}]}.
function registryErrors(body: Uint8Array): string[] {
  try {
    const { errors } = JSON.parse(new TextDecoder().decode(body)) as { errors?: unknown };
    if (!Array.isArray(errors)) return [];
    return errors.flatMap((error) => {
      const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
      if (typeof code !== "string") return [];
      return [typeof message === "string" && message !== "" ? `${code}: ${message}` : code];
    });
  } catch {
    return [];
  }
}
