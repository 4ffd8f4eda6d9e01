// One running version of a Component: its pod, served by vimanad's data plane on an internal
// loopback port, and the HTTP/2 session the gateway forwards calls over. The gateway counts the
// calls it forwards, so retiring a version can wait until every call it took has been answered
// before its server stops: nothing in flight is ever cut off by a swap.
import http2 from "node:http2";
import {
  type DataPlaneLog,
  type PodServer,
  startPodServer,
} from "../../runtime/dataplane/index.ts";
import type { ComponentHost, Pod } from "../../runtime/host/index.ts";
import type { Metadata } from "../metadata/index.ts";
import type { Artifacts } from "./artifacts.ts";
import type { ComponentSpec } from "./project.ts";

/** How long a retired version's calls may take before its server closes them anyway. */
const DRAIN_GRACE_MS = 30_000;

export class LiveVersion {
  readonly spec: ComponentSpec;
  readonly metadata: Metadata;
  readonly #pod: Pod;
  readonly #server: PodServer;
  #session: http2.ClientHttp2Session | undefined;
  #inFlight = 0;
  #idle: (() => void) | undefined;
  #retired: Promise<void> | undefined;

  private constructor(spec: ComponentSpec, metadata: Metadata, pod: Pod, server: PodServer) {
    this.spec = spec;
    this.metadata = metadata;
    this.#pod = pod;
    this.#server = server;
  }

  /** Loads the component into a pod and serves it; throws the host's or data plane's error. */
  static async start(
    host: ComponentHost,
    spec: ComponentSpec,
    artifacts: Artifacts,
    podName: string,
    log: DataPlaneLog,
  ): Promise<LiveVersion> {
    const component = await host.load(artifacts.bytes, { name: podName });
    const pod = component.createPod({ name: podName });
    try {
      const server = await startPodServer({
        address: "127.0.0.1",
        port: 0,
        metadata: artifacts.metadata,
        pod,
        exports: component.exports,
        log,
        // The gateway writes the request log: it knows the domain and version.
        requestLog: false,
      });
      return new LiveVersion(spec, artifacts.metadata, pod, server);
    } catch (error) {
      pod.close();
      throw error;
    }
  }

  get inFlight(): number {
    return this.#inFlight;
  }

  /** Opens a call to the version; the caller must have checked it is not retired. */
  request(headers: http2.OutgoingHttpHeaders): http2.ClientHttp2Stream {
    const stream = this.#connection().request(headers);
    this.#inFlight++;
    stream.once("close", () => {
      this.#inFlight--;
      if (this.#inFlight === 0) this.#idle?.();
    });
    return stream;
  }

  /** Once every call taken so far is answered, stops the server and closes the pod. */
  retire(): Promise<void> {
    this.#retired ??= (async () => {
      if (this.#inFlight > 0) await new Promise<void>((resolve) => (this.#idle = resolve));
      this.#session?.close();
      await this.#server.stop(DRAIN_GRACE_MS);
      this.#pod.close();
    })();
    return this.#retired;
  }

  #connection(): http2.ClientHttp2Session {
    if (this.#session && !this.#session.closed && !this.#session.destroyed) return this.#session;
    const session = http2.connect(`http://127.0.0.1:${this.#server.port}`);
    // Errors reach the calls on the session; a broken session is replaced on the next call.
    session.on("error", () => {});
    session.on("close", () => {
      if (this.#session === session) this.#session = undefined;
    });
    this.#session = session;
    return session;
  }
}
