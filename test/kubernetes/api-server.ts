import {
  type FeatureGates,
  type LocalApiServer,
  startLocalApiServer,
} from "../../minikube/local/index.ts";
import { trackRunning } from "./live.ts";
import { freshStateDir } from "./state-dir.ts";

export interface ApiServerFixture {
  /** Admin kubeconfig (group system:masters). */
  readonly kubeconfig: string;
  /** `https://127.0.0.1:<port>` */
  readonly server: string;
  /** CA that signed the server's certificate, and the admin's client certificate and key. */
  readonly caCert: string;
  readonly clientCert: string;
  readonly clientKey: string;
  readonly stateDir: string;
  /** Stops a private instance; a shared one stays up until the end of the test run. */
  stop(): Promise<void>;
}

export interface ApiServerFixtureOptions {
  /** A private instance, stopped by stop(); by default one instance is shared by the run. */
  readonly private?: boolean;
  /** Implies private. */
  readonly featureGates?: FeatureGates;
}

let shared: Promise<LocalApiServer> | undefined;

function progress(line: string): void {
  console.log(`api server fixture: ${line}`);
}

async function start(): Promise<LocalApiServer> {
  const server = await startLocalApiServer({ stateDir: freshStateDir("apiserver"), log: progress });
  trackRunning(server);
  return server;
}

/**
 * etcd + kube-apiserver (like envtest), building the binaries first if they are missing. The
 * shared instance serves every file of the run: give each test its own namespace or names.
 */
export async function startApiServer(
  options: ApiServerFixtureOptions = {},
): Promise<ApiServerFixture> {
  const isPrivate = options.private === true || options.featureGates !== undefined;
  let server: LocalApiServer;
  if (isPrivate) {
    const stateDir = freshStateDir("apiserver");
    server = await startLocalApiServer({
      stateDir,
      featureGates: options.featureGates,
      log: progress,
    });
    const untrack = trackRunning(server);
    const stop = server.stop;
    server = {
      ...server,
      stop: async () => {
        await stop();
        untrack();
      },
    };
  } else {
    shared ??= start();
    try {
      server = await shared;
    } catch (error) {
      shared = undefined;
      throw error;
    }
  }
  return {
    kubeconfig: server.kubeconfig,
    server: server.server,
    caCert: server.pki.caCert,
    clientCert: server.pki.cert("admin"),
    clientKey: server.pki.key("admin"),
    stateDir: server.stateDir,
    stop: isPrivate ? server.stop : async () => {},
  };
}
