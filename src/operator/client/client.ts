// A thin client for the Kubernetes API over Bun's fetch: JSON in and out, the API server's
// Status messages as errors, and watches read line by line. Credentials come from a kubeconfig
// or the in-cluster service account, loaded by @kubernetes/client-node.
import { KubeConfig } from "@kubernetes/client-node";
import type { KubeObject } from "../api/index.ts";
import { ApiError } from "./errors.ts";
import { collectionPath, objectPath, type ResourceType } from "./resource.ts";

export interface List<T> {
  items: T[];
  resourceVersion: string;
}

export type WatchEventType = "ADDED" | "MODIFIED" | "DELETED" | "BOOKMARK";

export interface WatchOptions {
  resourceVersion: string;
  labelSelector?: string;
  /** The API server ends the watch after this long; the caller watches again. */
  timeoutSeconds: number;
  signal: AbortSignal;
}

interface Credentials {
  headers: Record<string, string>;
  tls: { ca?: string; cert?: string; key?: string; rejectUnauthorized?: boolean };
  loadedAt: number;
}

// Service account tokens rotate; read the credentials again after this long.
const CREDENTIALS_TTL_MS = 60_000;

export interface ClientOptions {
  /** A kubeconfig file; without it, the in-cluster service account, then ~/.kube/config. */
  kubeconfig?: string;
  /** Identifies the operator in the API server's logs and audit. */
  userAgent?: string;
}

export class KubeClient {
  private credentials: Credentials | undefined;

  private constructor(
    private readonly config: KubeConfig,
    readonly server: string,
    private readonly userAgent: string,
  ) {}

  static load(options: ClientOptions = {}): KubeClient {
    const config = new KubeConfig();
    if (options.kubeconfig) config.loadFromFile(options.kubeconfig);
    else config.loadFromDefault();
    const cluster = config.getCurrentCluster();
    if (!cluster) {
      throw new Error(
        options.kubeconfig
          ? `kubeconfig ${options.kubeconfig} has no current cluster`
          : "no kubeconfig: not in a cluster, no $KUBECONFIG and no ~/.kube/config (use --kubeconfig)",
      );
    }
    return new KubeClient(config, cluster.server, options.userAgent ?? "vimana-operator");
  }

  private async auth(): Promise<Credentials> {
    if (this.credentials && Date.now() - this.credentials.loadedAt < CREDENTIALS_TTL_MS) {
      return this.credentials;
    }
    const options: {
      headers?: Record<string, string>;
      ca?: Buffer | string;
      cert?: Buffer | string;
      key?: Buffer | string;
      rejectUnauthorized?: boolean;
    } = {};
    await this.config.applyToHTTPSOptions(options as never);
    const text = (value: Buffer | string | undefined) => value?.toString();
    this.credentials = {
      headers: { ...(options.headers ?? {}) },
      tls: {
        ca: text(options.ca),
        cert: text(options.cert),
        key: text(options.key),
        ...(options.rejectUnauthorized === false ? { rejectUnauthorized: false } : {}),
      },
      loadedAt: Date.now(),
    };
    return this.credentials;
  }

  private async request(
    method: string,
    path: string,
    body?: unknown,
    signal?: AbortSignal,
  ): Promise<Response> {
    const credentials = await this.auth();
    let response: Response;
    try {
      response = await fetch(`${this.server}${path}`, {
        method,
        headers: {
          ...credentials.headers,
          accept: "application/json",
          "user-agent": this.userAgent,
          ...(body === undefined ? {} : { "content-type": "application/json" }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        tls: credentials.tls,
        signal,
      });
    } catch (error) {
      if (signal?.aborted) throw error;
      throw new ApiError(0, "Unreachable", `${method} ${path}: ${(error as Error).message}`);
    }
    if (!response.ok) {
      const text = await response.text();
      let reason = response.statusText;
      let message = text;
      try {
        const status = JSON.parse(text) as { reason?: string; message?: string };
        reason = status.reason ?? reason;
        message = status.message ?? message;
      } catch {
        // Not a Status object (a proxy's HTML page, say): keep the text.
      }
      throw new ApiError(response.status, reason, `${method} ${path}: ${message}`);
    }
    return response;
  }

  private async json<T>(method: string, path: string, body?: unknown): Promise<T> {
    return (await (await this.request(method, path, body)).json()) as T;
  }

  get<T extends KubeObject>(type: ResourceType, namespace: string | undefined, name: string) {
    return this.json<T>("GET", objectPath(type, namespace, name));
  }

  async list<T extends KubeObject>(
    type: ResourceType,
    namespace?: string,
    labelSelector?: string,
  ): Promise<List<T>> {
    const query = labelSelector ? `?labelSelector=${encodeURIComponent(labelSelector)}` : "";
    const list = await this.json<{ items: T[]; metadata: { resourceVersion: string } }>(
      "GET",
      `${collectionPath(type, namespace)}${query}`,
    );
    // Lists leave out each item's apiVersion and kind.
    const items = list.items.map((item) => ({
      ...item,
      apiVersion: type.apiVersion,
      kind: type.kind,
    }));
    return { items, resourceVersion: list.metadata.resourceVersion };
  }

  create<T extends KubeObject>(type: ResourceType, object: T): Promise<T> {
    return this.json<T>("POST", collectionPath(type, object.metadata.namespace), object);
  }

  /** Replaces the object; fails with 409 Conflict when its resourceVersion is stale. */
  update<T extends KubeObject>(type: ResourceType, object: T): Promise<T> {
    return this.json<T>(
      "PUT",
      objectPath(type, object.metadata.namespace, object.metadata.name),
      object,
    );
  }

  updateStatus<T extends KubeObject>(type: ResourceType, object: T): Promise<T> {
    return this.json<T>(
      "PUT",
      `${objectPath(type, object.metadata.namespace, object.metadata.name)}/status`,
      object,
    );
  }

  async delete(type: ResourceType, namespace: string | undefined, name: string): Promise<void> {
    await this.request("DELETE", objectPath(type, namespace, name), {
      apiVersion: "v1",
      kind: "DeleteOptions",
      propagationPolicy: "Background",
    });
  }

  /**
   * Streams the changes after `resourceVersion` to `onEvent` until the API server ends the
   * watch (resolves) or it fails (throws; an expired resourceVersion is an ApiError 410).
   */
  async watch<T extends KubeObject>(
    type: ResourceType,
    options: WatchOptions,
    onEvent: (type: WatchEventType, object: T) => void,
  ): Promise<void> {
    const query = new URLSearchParams({
      watch: "true",
      allowWatchBookmarks: "true",
      resourceVersion: options.resourceVersion,
      timeoutSeconds: String(options.timeoutSeconds),
      ...(options.labelSelector ? { labelSelector: options.labelSelector } : {}),
    });
    const path = `${collectionPath(type)}?${query}`;
    const response = await this.request("GET", path, undefined, options.signal);
    const body = response.body;
    if (!body) return;
    const decoder = new TextDecoder();
    let buffered = "";
    for await (const chunk of body) {
      buffered += decoder.decode(chunk, { stream: true });
      let newline = buffered.indexOf("\n");
      while (newline >= 0) {
        const line = buffered.slice(0, newline);
        buffered = buffered.slice(newline + 1);
        newline = buffered.indexOf("\n");
        if (line.trim() === "") continue;
        const event = JSON.parse(line) as {
          type: WatchEventType | "ERROR";
          object: T & { code?: number; reason?: string; message?: string };
        };
        if (event.type === "ERROR") {
          const status = event.object;
          throw new ApiError(
            status.code ?? 500,
            status.reason ?? "WatchError",
            `watch ${path}: ${status.message ?? "error"}`,
          );
        }
        onEvent(event.type, event.object);
      }
    }
  }
}
